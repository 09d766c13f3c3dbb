//! Which resource held an IP address at a time (`docs/whois.md`).

use costscope_analytics::whois::{self, WhoisReport};
use costscope_lake::ip_ranges::IpRanges;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result};

/// The address asked about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhoisRequest {
    /// An IPv4 or IPv6 address.
    pub ip: String,
    /// `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ` (default: the latest inventory snapshot).
    #[serde(default)]
    pub at: Option<String>,
    /// An `ip-ranges.json` to use instead of the built-in AWS ranges.
    #[serde(default)]
    pub ip_ranges: Option<Document>,
}

/// Who held the address, and when.
pub type WhoisResponse = WhoisReport;

impl App {
    /// Who held the address, from what `principal` may see of the inventory.
    pub async fn whois(
        &self,
        principal: &Principal,
        request: &WhoisRequest,
    ) -> Result<WhoisResponse> {
        self.audit_read(principal, "analysis.whois", request, async {
            let at = request.at.as_deref().map(whois::parse_at).transpose()?;
            let ranges = match &request.ip_ranges {
                Some(document) => IpRanges::parse(&document.text, &document.origin)?,
                None => IpRanges::builtin(),
            };
            let session = self.session(principal).await?;
            Ok(whois::whois(&session, &request.ip, at, &ranges).await?)
        })
        .await
    }
}
