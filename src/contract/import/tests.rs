//! The reader on documents written for these tests: 3.0 in YAML and 3.1 in JSON, with path,
//! query and header parameters, `$ref` chains and a recursive schema, bearer and API-key
//! security, several media types and examples in both forms.

use serde_json::{Value, json};

use super::*;

const SHOP_30: &str = r##"
openapi: 3.0.3
info: {title: Shop, version: 1.2.0}
servers: [{url: "https://shop.example.test/v1"}]
security: [{bearerAuth: []}]
paths:
  /items/{itemId}:
    parameters:
      - $ref: "#/components/parameters/ItemId"
    get:
      operationId: getItem
      parameters:
        - {name: expand, in: query, schema: {type: string, enum: [owner, tags]}}
        - {name: X-Request-Id, in: header, required: true, schema: {type: string}}
        - {name: session, in: cookie, schema: {type: string}}
      responses:
        "200":
          description: The item
          headers:
            ETag: {schema: {type: string}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
              example: {id: 7, name: Lamp, price: 12.5, tags: []}
            application/xml:
              schema: {type: object}
          links:
            owner: {operationId: getOwner}
        4XX:
          $ref: "#/components/responses/Problem"
        default:
          description: Anything else
    put:
      operationId: putItem
      security: [{apiKey: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
            examples:
              lamp: {value: {id: 7, name: Lamp, price: 12.5}}
              chair: {$ref: "#/components/examples/Chair"}
      responses:
        "204": {description: Stored}
      callbacks:
        stored: {}
  /uploads:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {type: object}
      responses:
        "201": {description: Uploaded}
components:
  parameters:
    ItemId: {name: itemId, in: path, required: true, schema: {type: integer, minimum: 1}}
  responses:
    Problem:
      description: A problem
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
  examples:
    Chair: {value: {id: 8, name: Chair, price: 40}}
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
  schemas:
    Item:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, minimum: 0, exclusiveMinimum: true}
        name: {type: string, example: Lamp}
        price: {type: number, nullable: true}
        tags: {type: array, items: {$ref: "#/components/schemas/Tag"}}
        parent: {$ref: "#/components/schemas/Item"}
    Tag: {type: string, enum: [new, sale], nullable: true}
    Problem: {type: object, properties: {title: {type: string}}}
"##;

fn compiled(imported: &Imported, schema: &Value) -> jsonschema::Validator {
    imported
        .validator(schema)
        .expect("the schema compiles beside the components")
}

fn shop() -> Imported {
    from_text("shop.yaml", SHOP_30).expect("the shop document imports")
}

fn operation<'i>(imported: &'i Imported, id: &str) -> &'i Operation {
    imported
        .operations
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no {id}: {:?}", imported.operations))
}

#[test]
fn operations_carry_parameters_bodies_responses_and_security() {
    let shop = shop();
    assert_eq!(
        (shop.title.as_str(), shop.version.as_str()),
        ("Shop", "1.2.0")
    );
    assert_eq!(shop.servers, ["https://shop.example.test/v1"]);
    let get = operation(&shop, "getItem");
    assert_eq!(
        (get.method.as_str(), get.path.as_str()),
        ("GET", "/items/{itemId}")
    );
    let places: Vec<(&str, Location, bool)> = get
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.required))
        .collect();
    assert_eq!(
        places,
        [
            ("itemId", Location::Path, true),
            ("expand", Location::Query, false),
            ("X-Request-Id", Location::Header, true),
        ]
    );
    let statuses: Vec<Status> = get.responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Status::Exact(200), Status::Range(4), Status::Default]
    );
    let ok = &get.responses[0];
    assert_eq!(
        ok.schema,
        Some(json!({"$ref": "components.schema.json#/$defs/Item"}))
    );
    assert_eq!(ok.examples["example"]["name"], "Lamp");
    assert!(ok.headers.contains_key("ETag"));
    assert_eq!(
        get.responses[1].media_type.as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(
        get.security,
        [Credential::Bearer {
            scheme: "bearerAuth".into()
        }]
    );
    let put = operation(&shop, "putItem");
    assert_eq!(
        put.security,
        [Credential::Header {
            scheme: "apiKey".into(),
            name: "X-Api-Key".into()
        }]
    );
    let body = put.body.as_ref().expect("a body");
    assert!(body.required);
    assert_eq!(
        body.examples["chair"]["name"], "Chair",
        "an example behind a $ref"
    );
    assert_eq!(body.examples["lamp"]["price"], 12.5);
}

#[test]
fn what_cannot_be_carried_is_listed_per_operation_and_empty_operations_are_skipped() {
    let shop = shop();
    let notes = operation(&shop, "getItem").not_carried.join("\n");
    for said in ["cookie parameter session", "application/xml", "links"] {
        assert!(notes.contains(said), "{said}: {notes}");
    }
    assert!(
        operation(&shop, "putItem")
            .not_carried
            .iter()
            .any(|n| n.contains("callbacks"))
    );
    assert_eq!(shop.skipped.len(), 1);
    assert_eq!(shop.skipped[0].operation, "POST /uploads");
    assert!(
        shop.skipped[0].why.contains("multipart/form-data"),
        "{:?}",
        shop.skipped
    );
}

#[test]
fn openapi_30_schemas_become_2020_12_and_compile_with_their_references() {
    let shop = shop();
    let item = &shop.components["$defs"]["Item"];
    assert_eq!(
        item["properties"]["id"],
        json!({"type": "integer", "exclusiveMinimum": 0})
    );
    assert_eq!(item["properties"]["name"]["examples"], json!(["Lamp"]));
    assert_eq!(
        item["properties"]["price"]["type"],
        json!(["number", "null"])
    );
    assert_eq!(
        shop.components["$defs"]["Tag"]["enum"],
        json!(["new", "sale", null])
    );
    let schema = operation(&shop, "putItem")
        .body
        .as_ref()
        .expect("body")
        .schema
        .clone();
    let valid = compiled(&shop, &schema);
    for good in [
        json!({"id": 1, "name": "Lamp", "price": null, "tags": ["new", null]}),
        json!({"id": 2, "name": "Box", "parent": {"id": 1, "name": "Shelf"}}),
    ] {
        assert!(valid.is_valid(&good), "{good}");
    }
    for bad in [
        json!({"id": 0, "name": "Lamp"}),
        json!({"id": 1}),
        json!({"id": 1, "name": "x", "tags": ["old"]}),
        json!({"id": 2, "name": "Box", "parent": {"id": 1}}),
    ] {
        assert!(!valid.is_valid(&bad), "{bad}");
    }
}

#[test]
fn openapi_31_in_json_keeps_its_schemas_and_reads_query_api_keys() {
    let document = json!({
        "openapi": "3.1.0",
        "info": {"title": "Notes", "version": "0.1.0"},
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}},
            "schemas": {"Note": {"type": ["object"], "properties": {"text": {"type": ["string", "null"]}}, "required": ["text"]}}
        },
        "paths": {"/notes": {"post": {
            "security": [{"key": []}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}, "example": {"text": "hi"}}}},
            "responses": {"2XX": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}}}
        }}}
    });
    let notes = from_text("notes.json", &document.to_string()).expect("imports");
    let post = operation(&notes, "POST /notes");
    assert_eq!(
        post.security,
        [Credential::Query {
            scheme: "key".into(),
            name: "api_key".into()
        }]
    );
    assert_eq!(post.responses[0].status, Status::Range(2));
    assert_eq!(
        notes.components["$defs"]["Note"]["properties"]["text"]["type"],
        json!(["string", "null"])
    );
    let valid = compiled(&notes, &post.body.as_ref().expect("body").schema);
    assert!(valid.is_valid(&json!({"text": null})));
    assert!(!valid.is_valid(&json!({})));
}

#[test]
fn what_is_not_openapi_is_refused_naming_the_file_and_where() {
    let cases = [
        (
            "a.yaml",
            "openapi: 3.0.0\ninfo: [unclosed",
            "a.yaml:3:1: did not find expected",
        ),
        ("b.json", "{\"openapi\": \"3.0.0\",}", "b.json:1:"),
        ("c.yaml", "swagger: \"2.0\"\n", "c.yaml: /swagger: Swagger"),
        ("d.yaml", "openapi: 4.0.0\n", "d.yaml: /openapi: OpenAPI"),
        (
            "e.yaml",
            "title: not a spec\n",
            "e.yaml: /openapi: not an OpenAPI document",
        ),
        (
            "f.yaml",
            "openapi: 3.1.0\ninfo: {title: f, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n",
            "f.yaml: /paths/~1x/get/responses/200/$ref: $ref #/components/responses/Nope points nowhere",
        ),
    ];
    for (file, text, says) in cases {
        let error = from_text(file, text).expect_err("refused").to_string();
        assert!(error.starts_with(says), "{file}: {error}");
    }
}

#[test]
fn a_reference_to_another_document_is_listed_not_followed() {
    let text = "openapi: 3.0.1\ninfo: {title: r, version: '1'}\npaths:\n  /r:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: 'other.yaml#/Thing'}\n      responses:\n        '200': {description: ok}\n";
    let imported = from_text("r.yaml", text).expect("imports");
    let post = operation(&imported, "POST /r");
    assert_eq!(post.body.as_ref().expect("body").schema, json!({}));
    assert!(
        post.not_carried
            .iter()
            .any(|n| n.contains("other.yaml#/Thing")),
        "{:?}",
        post.not_carried
    );
}

#[test]
fn path_templates_and_operation_ids_are_held_to_the_document() {
    let text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      parameters:\n        - {name: other, in: path, required: true, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n";
    let imported = from_text("t.yaml", text).expect("imports");
    let get = operation(&imported, "GET /a/{id}");
    let names: Vec<&str> = get.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["id"],
        "the template's parameter, and not the stray one"
    );
    let notes = get.not_carried.join("\n");
    assert!(
        notes.contains("id is not described") && notes.contains("other is not in the path"),
        "{notes}"
    );
    let twice = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {operationId: same, responses: {'200': {description: ok}}}\n    put: {operationId: same, responses: {'200': {description: ok}}}\n";
    let error = from_text("twice.yaml", twice)
        .expect_err("refused")
        .to_string();
    assert!(
        error.starts_with(
            "twice.yaml: /paths/~1a/put/operationId: operationId same is given at /paths/~1a/get"
        ),
        "{error}"
    );
}

#[test]
fn the_error_shape_is_the_mock_s_unless_an_export_says_it_is_documented() {
    assert_eq!(shop().error_shape, crate::contract::ErrorShape::Mock);
    let exported = crate::contract::openapi::document(
        &crate::contract::Contract::embedded().expect("the built-in contract loads"),
    );
    let again = from_text("export.json", &exported.to_string()).expect("the export imports");
    assert_eq!(again.error_shape, crate::contract::ErrorShape::Documented);
}
