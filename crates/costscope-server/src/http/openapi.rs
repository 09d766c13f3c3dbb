//! The OpenAPI 3.1 document of the API, from the route table and the JSON schemas of the
//! request types (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::routes::{Endpoint, Shape, routes};

/// The document for every route of [`routes`].
pub fn document() -> Value {
    let endpoints: Vec<Endpoint> = routes().into_iter().map(|r| r.endpoint).collect();
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for endpoint in &endpoints {
        let mut operation = Map::new();
        operation.insert("summary".into(), endpoint.summary.into());
        operation.insert("operationId".into(), operation_id(endpoint).into());
        if endpoint.public {
            operation.insert("security".into(), json!([]));
        }
        let parameters: Vec<Value> = path_parameters(endpoint.path)
            .map(|name| {
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
            })
            .collect();
        if !parameters.is_empty() {
            operation.insert("parameters".into(), parameters.into());
        }
        if let Some(schema) = endpoint.request {
            let schema = schema(&mut generator);
            operation.insert(
                "requestBody".into(),
                json!({
                    "description": "JSON; an empty body stands for `{}` (every field at its default)",
                    "content": {"application/json": {"schema": schema}}
                }),
            );
        }
        let mut responses = Map::new();
        responses.insert("200".into(), success(endpoint.response, &mut generator));
        if !endpoint.public {
            responses.insert(
                "401".into(),
                error("No credential, or an unknown, expired or forged one"),
            );
        }
        if endpoint.changes_state {
            responses.insert("403".into(), error("The principal may not change state"));
        }
        responses.insert(
            "default".into(),
            error("The request failed; the status comes from the error's kind"),
        );
        operation.insert("responses".into(), responses.into());
        let item = paths
            .entry(endpoint.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(endpoint.verb.name().into(), operation.into());
        }
    }
    let mut schemas = generator.take_definitions(true);
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["kind", "message"],
                "properties": {
                    "kind": {"enum": ["user", "not-found", "unauthenticated", "denied", "conflict", "busy", "unavailable", "internal"]},
                    "message": {"type": "string"}
                }
            }}
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "costscope",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "FinOps cost intelligence over AWS billing exports: SQL and every analysis of the application layer. Field-level descriptions of analysis reports are in the named pages of docs/."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token of the access file, or a JWT of the identity provider it names"}}
        },
        "security": [{"bearer": []}]
    })
}

fn operation_id(endpoint: &Endpoint) -> String {
    let path = endpoint
        .path
        .trim_start_matches("/api/v1/")
        .trim_start_matches('/')
        .replace(['{', '}'], "")
        .replace(['/', '-', '.'], "_");
    let path = if path.is_empty() { "index" } else { &path };
    format!("{}_{path}", endpoint.verb.name())
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn success(shape: Shape, generator: &mut schemars::SchemaGenerator) -> Value {
    match shape {
        Shape::Schema(schema) => json!({
            "description": "The answer",
            "content": {"application/json": {"schema": schema(generator)}}
        }),
        Shape::Report { name, doc } => json!({
            "description": format!("The {name}; its fields are described in {doc}"),
            "content": {"application/json": {"schema": {"type": ["object", "array"], "description": format!("{name} (see {doc})")}}}
        }),
        Shape::Rows => json!({
            "description": "The rows and their columns",
            "content": {
                "application/json": {"schema": {
                    "type": "object",
                    "required": ["columns", "rows"],
                    "properties": {
                        "columns": {"type": "array", "items": {
                            "type": "object",
                            "required": ["name", "type"],
                            "properties": {"name": {"type": "string"}, "type": {"type": "string", "description": "The Arrow data type"}}
                        }},
                        "rows": {"type": "array", "items": {"type": "array"}}
                    }
                }},
                "application/vnd.apache.arrow.stream": {"schema": {"type": "string", "format": "binary"}}
            }
        }),
        Shape::Text(media) => {
            let mut content = Map::new();
            content.insert(media.into(), json!({"schema": {"type": "string"}}));
            json!({"description": "Text", "content": content})
        }
        Shape::Files(media) => {
            let content: Map<String, Value> = media
                .iter()
                .map(|m| {
                    let schema = json!({"schema": {"type": "string", "format": "binary"}});
                    (m.to_string(), schema)
                })
                .collect();
            json!({"description": "The file", "content": content})
        }
        Shape::OpenApi => json!({
            "description": "The OpenAPI document",
            "content": {"application/json": {"schema": {"type": "object"}}}
        }),
    }
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}
