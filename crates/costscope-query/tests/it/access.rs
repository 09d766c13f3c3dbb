//! Access control as an attacker tries it: a restricted principal (the App Team analyst:
//! rows of the `App-Team-%` accounts, no rates, no `user_department` tag) runs every trick
//! that could show a hidden row, column, table or value, and each one fails to leak.

mod attacks;
mod file;

use std::collections::BTreeSet;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use costscope_lake::Lake;
use costscope_query::{Access, Engine, Principal, QueryResult, Session};
use costscope_synth::demo_lake::{self, DemoLakeOptions};
use tokio::sync::OnceCell;

/// The access file of these tests: FinOps sees everything; the App Team analyst sees its
/// two accounts without rates or the department tag, and one app's metrics; an auditor may
/// only describe `cur`; a stranger has a role without grants. Each principal's token is its
/// name followed by `-token`.
pub const ACCESS: &str = r#"
principals:
  - name: alice
    token_sha256: 9c220f200955d76c0a38d308225e0ef10c5f971acaf2f8d1d8f732affa5bd1dc
    roles: [finops]
  - name: app-dev
    token_sha256: b47e27e72fbb8eb33a0497958e5399109741926c273211166ae7dfb1c8e22c57
    roles: [app-team]
  - name: auditor
    token_sha256: ba1315421b7c58d465abec0bd552af5ff314ed8f9c5c0a7b7a6a6ecbac9bcbe5
    roles: [describer]
  - name: stranger
    token_sha256: 4f503e9b31172d52ac2323e5345520fed2361069a5ccdc217bf6690390443d0a
    roles: [nobody]
roles:
  finops:
    admin: true
  app-team:
    workgroup: app-team
    grants:
      - tables: [cur]
        permissions: [select, describe]
        rows: "line_item_usage_account_name LIKE 'App-Team-%'"
        columns:
          exclude: [line_item_unblended_rate, line_item_blended_rate, pricing_public_on_demand_rate, "resource_tags['user_department']"]
      - tables: [business_metrics]
        permissions: [select]
        rows: "app IN ('clickstream')"
  describer:
    grants:
      - tables: [cur]
        permissions: [describe]
  nobody: {}
workgroups:
  app-team: {timeout: 60s, max_concurrent: 2, max_result_rows: 100000}
"#;

/// The hidden columns of the analyst's grant.
pub const HIDDEN_COLUMNS: [&str; 3] = [
    "line_item_unblended_rate",
    "line_item_blended_rate",
    "pricing_public_on_demand_rate",
];

/// A small organisation, and what the administrator knows of it.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub engine: Engine,
    pub access: Access,
    /// Account names and ids the analyst may not see.
    pub hidden_accounts: Vec<String>,
    /// Rows of `cur` the analyst may see.
    pub visible_rows: u64,
    /// Apps of `business_metrics` the analyst may not see.
    pub hidden_apps: Vec<String>,
}

static FIXTURE: OnceCell<Fixture> = OnceCell::const_new();

pub async fn fixture() -> &'static Fixture {
    FIXTURE.get_or_init(build).await
}

async fn build() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DemoLakeOptions::in_dir(dir.path(), 11);
    options.generate.months = 1;
    options.generate.rows = Some(20_000);
    demo_lake::build(&options).await.expect("demo lake");
    let engine = Engine::new(Lake::open(dir.path().join("lake")).expect("lake"));
    let access = Access::parse(ACCESS, "access.yaml", Path::new(".")).expect("access file");
    let admin = engine.session(&Principal::admin()).await.expect("session");
    let hidden_accounts = strings(
        &admin,
        "SELECT DISTINCT line_item_usage_account_name FROM cur \
         WHERE line_item_usage_account_name NOT LIKE 'App-Team-%' \
         UNION SELECT DISTINCT line_item_usage_account_id FROM cur \
         WHERE line_item_usage_account_name NOT LIKE 'App-Team-%'",
    )
    .await;
    assert!(hidden_accounts.len() >= 4, "the demo has other accounts");
    let visible_rows = count(
        &admin,
        "SELECT COUNT(*) FROM cur WHERE line_item_usage_account_name LIKE 'App-Team-%'",
    )
    .await;
    let hidden_apps = strings(
        &admin,
        "SELECT DISTINCT app FROM business_metrics WHERE app <> 'clickstream'",
    )
    .await;
    let departments = count(
        &admin,
        "SELECT COUNT(*) FROM cur WHERE resource_tags['user_department'] IS NOT NULL \
         AND line_item_usage_account_name LIKE 'App-Team-%'",
    )
    .await;
    assert!(
        departments > 0,
        "the demo tags the analyst's resources with departments"
    );
    Fixture {
        _dir: dir,
        engine,
        access,
        hidden_accounts,
        visible_rows,
        hidden_apps,
    }
}

impl Fixture {
    /// A name of an account the analyst may not see.
    pub fn hidden_account_name(&self) -> &str {
        self.hidden_accounts
            .iter()
            .find(|a| !a.chars().all(|c| c.is_ascii_digit()))
            .expect("a hidden account name")
    }

    pub async fn session(&self, name: &str) -> Session {
        let principal = self.access.principal(name).expect("principal");
        self.engine.session(&principal).await.expect("session")
    }

    /// What `shown` (an answer's cells, or an error message) reveals that the analyst's
    /// `sql` did not name itself.
    pub fn leaks(&self, sql: &str, shown: &Shown) -> Vec<String> {
        let names: Vec<String> = HIDDEN_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .chain(["user_department", "flow_logs", "inventory", "ip_owners"].map(String::from))
            .chain([self.engine.lake().root().display().to_string()])
            .filter(|name| !sql.to_lowercase().contains(&name.to_lowercase()))
            .collect();
        // App names are also tag values of visible `cur` rows: secret only in metrics.
        let apps = match sql.contains("business_metrics") {
            true => self.hidden_apps.as_slice(),
            false => &[],
        };
        let values: Vec<&String> = self
            .hidden_accounts
            .iter()
            .chain(apps)
            .filter(|value| !sql.contains(value.as_str()))
            .collect();
        let mut found = Vec::new();
        match shown {
            Shown::Cells(cells) => {
                for cell in cells {
                    if values.contains(&cell) {
                        found.push(cell.clone());
                    }
                    found.extend(names.iter().filter(|n| cell.contains(n.as_str())).cloned());
                }
            }
            Shown::Message(message) => {
                found.extend(
                    values
                        .iter()
                        .filter(|v| message.contains(v.as_str()))
                        .map(|v| v.to_string()),
                );
                found.extend(
                    names
                        .iter()
                        .filter(|n| message.contains(n.as_str()))
                        .cloned(),
                );
            }
        }
        found.sort();
        found.dedup();
        found
    }
}

/// What a query showed its caller.
pub enum Shown {
    /// Column names and every value, each as text (map and list values element by element).
    Cells(Vec<String>),
    Message(String),
}

/// Every column name and value of `result` as text; lists and maps also element by element.
pub fn cells_of(result: &QueryResult) -> Vec<String> {
    let mut out: Vec<String> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let options = FormatOptions::default();
    for batch in &result.batches {
        for column in batch.columns() {
            push_cells(column.as_ref(), &options, &mut out);
        }
    }
    out
}

fn push_cells(column: &dyn Array, options: &FormatOptions, out: &mut Vec<String>) {
    use arrow::datatypes::DataType;
    match column.data_type() {
        DataType::Map(..) => {
            let map = column.as_map();
            push_cells(map.keys().as_ref(), options, out);
            push_cells(map.values().as_ref(), options, out);
        }
        DataType::List(_) => push_cells(column.as_list::<i32>().values().as_ref(), options, out),
        _ => {
            let formatter = ArrayFormatter::try_new(column, options).expect("format");
            for row in 0..column.len() {
                out.push(formatter.value(row).to_string());
            }
        }
    }
}

pub async fn strings(session: &Session, sql: &str) -> Vec<String> {
    let result = session
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut values = BTreeSet::new();
    for batch in &result.batches {
        let column =
            arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8).expect("cast");
        for value in column.as_string::<i32>().iter().flatten() {
            values.insert(value.to_string());
        }
    }
    values.into_iter().collect()
}

pub async fn count(session: &Session, sql: &str) -> u64 {
    let result = session
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let column = arrow::compute::cast(
        result.batches[0].column(0),
        &arrow::datatypes::DataType::UInt64,
    )
    .expect("cast");
    let column = column.as_primitive::<arrow::datatypes::UInt64Type>();
    assert!(!column.is_null(0));
    column.value(0)
}
