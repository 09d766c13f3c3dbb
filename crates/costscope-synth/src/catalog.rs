//! The price list of the synthetic organisation: one [`Template`] per kind of CUR line
//! (service, usage type, line-item type, rate), with every column AWS fills for it.
//!
//! Prices are the public us-east-1 list prices of FORMATS §4; usage types follow FORMATS §3
//! (no region prefix in us-east-1 for the older services, `USE1-` for Public IPv4, Bedrock and
//! Marketplace, and a prefix everywhere else).

mod compute;
mod services;
mod template;

use costscope_core::cur::line_item_type as lit;

pub(crate) use compute::*;
pub(crate) use services::*;
pub(crate) use template::{PAYER_ACCOUNT_ID, Region, Template, US_EAST_1, US_WEST_2};

/// A monthly tax line for one product code.
pub(crate) fn tax(product_code: &str, marketplace: bool) -> Template {
    let mut t = Template::new(lit::TAX, product_code);
    t.set("line_item_usage_type", "Tax")
        .set("line_item_tax_type", "SalesTax")
        .set(
            "line_item_line_item_description",
            format!("Tax for product code {product_code}"),
        );
    if marketplace {
        t.set("bill_billing_entity", "AWS Marketplace")
            .set("line_item_legal_entity", "NVIDIA Corporation");
    }
    t
}

/// The monthly Business Support fee of an account.
pub(crate) fn support_business() -> Template {
    let mut t = Template::new(lit::FEE, "AWSSupportBusiness");
    t.set("line_item_usage_type", "Dollar")
        .set("line_item_line_item_description", "AWS Support (Business)")
        .set("product_servicecode", "AWSSupportBusiness")
        .set("product_product_family", "Support")
        .set("product_usagetype", "Dollar");
    t.product_attr("product_name", "AWS Support (Business)");
    t
}

/// A promotional credit applied to EC2.
pub(crate) fn credit() -> Template {
    let mut t = Template::new(lit::CREDIT, "AmazonEC2");
    t.set("line_item_usage_type", "").set(
        "line_item_line_item_description",
        "AWS Promotional Credit - Innovation Sandbox",
    );
    t
}

/// A refund for an EC2 service event.
pub(crate) fn refund() -> Template {
    let mut t = Template::new(lit::REFUND, "AmazonEC2");
    t.set("line_item_usage_type", "").set(
        "line_item_line_item_description",
        "Refund for service event in US East (N. Virginia)",
    );
    t
}

#[cfg(test)]
mod tests {
    use super::template::{rate_text, trim};
    use super::*;
    use costscope_core::cur::{Kind, kind_of};

    #[test]
    fn templates_only_set_existing_string_columns() {
        let sp = SavingsPlan {
            arn: "arn:aws:savingsplans::444444444444:savingsplan/x".into(),
            start_time: "2026-01-01T00:00:00.000Z".into(),
            end_time: "2027-01-01T00:00:00.000Z".into(),
            hourly_commitment: 0.3,
            rate_factor: 0.72,
        };
        let ri = Reservation {
            arn: "arn:aws:ec2:us-east-1:666666666666:reserved-instances/r".into(),
            subscription_id: "1234567890".into(),
            start_time: sp.start_time.clone(),
            end_time: sp.end_time.clone(),
            instance: instance_type("c5.xlarge"),
            units: 3,
            upfront: 1341.0,
            recurring_hourly: 0.051,
        };
        let box_usage = ec2_instance(US_EAST_1, instance_type("m5.large"), Purchase::OnDemand);
        let all = [
            savings_plan_covered(&box_usage, &sp),
            savings_plan_negation(&box_usage, &sp, "555555555555"),
            savings_plan_fee(&sp),
            reserved_usage(&box_usage, &ri),
            reservation_fee(US_EAST_1, &ri),
            reservation_upfront(US_EAST_1, &ri),
            ec2_instance(US_WEST_2, instance_type("m7g.large"), Purchase::Spot),
            ebs_volume(US_EAST_1, "gp3"),
            ebs_snapshot(US_EAST_1),
            nat_gateway(US_EAST_1, false),
            inter_az_transfer(US_EAST_1, true),
            public_ipv4(US_EAST_1, false),
            load_balancer(US_EAST_1, false),
            lambda(US_EAST_1, false, true),
            s3_storage(US_EAST_1, 4),
            s3_requests(US_EAST_1, true),
            aurora(US_EAST_1, AuroraLine::Instance),
            bedrock(US_EAST_1, CLAUDE_SONNET, TokenKind::CacheRead),
            marketplace_model(US_EAST_1, true),
            tax("AmazonEC2", false),
            support_business(),
            credit(),
            refund(),
            box_usage,
        ];
        for t in &all {
            for (column, _) in &t.strings {
                assert_eq!(kind_of(column), Some(Kind::Str), "{column}");
            }
            for (column, _) in &t.doubles {
                assert_eq!(kind_of(column), Some(Kind::F64), "{column}");
            }
            assert_eq!(t.get("line_item_line_item_type"), Some(t.line_item_type));
        }
        assert!(all[5].has_reservation_arn());
        assert_eq!(
            all[0].get("line_item_usage_type"),
            Some("BoxUsage:m5.large")
        );
        assert_eq!(
            all[6].get("line_item_usage_type"),
            Some("USW2-SpotUsage:m7g.large")
        );
        assert_eq!(
            all[11].get("line_item_usage_type"),
            Some("USE1-PublicIPv4:IdleAddress")
        );
        assert_eq!(
            all[17].get("line_item_usage_type"),
            Some("USE1-Claude4.6Sonnet-cache-read-input-token-count")
        );
        assert_eq!(
            all[18].get("line_item_usage_type"),
            Some("USE1-MP:USE1_OutputTokenCount-Units")
        );
        assert_eq!(all[1].rate, -0.096);
        assert_eq!(trim(0.0960), "0.096");
        assert_eq!(rate_text(0.045), "0.0450000000");
    }
}
