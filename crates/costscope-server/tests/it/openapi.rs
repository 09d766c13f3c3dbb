//! The OpenAPI document lists every route with the schemas of the request types.

use costscope_server::http::routes::routes;
use serde_json::Value;

use crate::fixture;

#[tokio::test]
async fn the_document_lists_every_route_with_its_request_schema() {
    let server = fixture::start().await;
    let (status, text) = server.get("/api/v1/openapi.json", "").await;
    assert_eq!(status, 200, "public: {text}");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(document["openapi"], "3.1.0");
    let routes = routes();
    assert!(routes.len() >= 30, "{} routes", routes.len());
    for route in &routes {
        let endpoint = &route.endpoint;
        let operation = &document["paths"][endpoint.path][endpoint.verb.name()];
        assert!(
            operation.is_object(),
            "{} {} is missing from the document",
            endpoint.verb.name(),
            endpoint.path
        );
        assert!(
            operation["responses"]["200"].is_object(),
            "{}",
            endpoint.path
        );
        assert_eq!(
            operation["requestBody"].is_object(),
            endpoint.request.is_some(),
            "{}",
            endpoint.path
        );
        if endpoint.changes_state {
            assert!(
                operation["responses"]["403"].is_object(),
                "{}",
                endpoint.path
            );
        }
    }
    let paths = document["paths"].as_object().expect("paths");
    let documented: usize = paths
        .values()
        .map(|p| p.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(documented, routes.len(), "no operation without a route");

    // Request schemas come from the app's types, with their fields and defaults.
    let schemas = &document["components"]["schemas"];
    let cost = &schemas["CostRequest"];
    for field in ["group_by", "granularity", "measure", "filters", "rules"] {
        assert!(
            cost["properties"][field].is_object(),
            "CostRequest.{field}: {cost}"
        );
    }
    assert_eq!(
        cost["additionalProperties"], false,
        "unknown fields are refused"
    );
    let cost_ref = &document["paths"]["/api/v1/cost"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(cost_ref, "#/components/schemas/CostRequest");
    assert!(schemas["Document"]["properties"]["text"].is_object());
    assert!(
        schemas["SqlBody"]["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|f| f == "sql"))
    );
    // Every reference resolves.
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().expect("name");
        assert!(schemas[name].is_object(), "unresolved reference to {name}");
    }
}
