//! The gate's decisions, one rule per test.

use super::*;

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            header::HeaderName::from_static(name),
            HeaderValue::from_str(value).expect("a header value"),
        );
    }
    map
}

#[test]
fn loopback_hosts_with_and_without_ports_are_loopback() {
    for host in [
        "localhost",
        "localhost:4010",
        "127.0.0.1:1",
        "127.9.9.9",
        "[::1]:4010",
        "[::1]",
    ] {
        assert!(is_loopback_authority(host), "{host}");
    }
    for host in [
        "evil.example:4010",
        "localhost.evil.example",
        "0.0.0.0:4010",
        "::1",
        "10.0.0.1",
        "",
    ] {
        assert!(!is_loopback_authority(host), "{host}");
    }
}

#[test]
fn on_loopback_a_rebound_host_and_another_site_are_refused() {
    let gate = AdminGate::new("127.0.0.1", None);
    let get = Method::GET;
    assert_eq!(
        gate.screen(&get, &headers(&[("host", "127.0.0.1:4010")])),
        Ok(())
    );
    assert_eq!(gate.screen(&get, &headers(&[])), Ok(()));
    assert_eq!(
        gate.screen(&get, &headers(&[("host", "rebound.example:4010")])),
        Err(Refusal::ForeignHost)
    );
    assert_eq!(
        gate.screen(
            &get,
            &headers(&[
                ("host", "localhost:4010"),
                ("origin", "http://localhost:5173")
            ])
        ),
        Err(Refusal::CrossSite)
    );
    assert_eq!(
        gate.screen(
            &get,
            &headers(&[
                ("host", "localhost:4010"),
                ("origin", "http://localhost:4010")
            ])
        ),
        Ok(())
    );
    assert_eq!(
        gate.screen(
            &get,
            &headers(&[("host", "localhost:4010"), ("origin", "null")])
        ),
        Err(Refusal::CrossSite)
    );
    assert_eq!(
        gate.screen(
            &get,
            &headers(&[("host", "localhost:4010"), ("sec-fetch-site", "cross-site")])
        ),
        Err(Refusal::CrossSite)
    );
}

#[test]
fn a_change_of_state_needs_json_or_no_body_type() {
    let gate = AdminGate::new("localhost", None);
    let post = Method::POST;
    for form in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        assert_eq!(
            gate.screen(&post, &headers(&[("content-type", form)])),
            Err(Refusal::FormSendable),
            "{form}"
        );
    }
    assert_eq!(
        gate.screen(&post, &headers(&[("content-type", "application/json")])),
        Ok(())
    );
    assert_eq!(gate.screen(&post, &headers(&[])), Ok(()));
    assert_eq!(
        gate.screen(&Method::GET, &headers(&[("content-type", "text/plain")])),
        Ok(())
    );
}

#[test]
fn beyond_loopback_the_token_is_required_as_bearer_or_basic_password() {
    let token = AdminToken::new("s3cret-admin-token").expect("a token");
    let gate = AdminGate::new("0.0.0.0", Some(&token));
    let get = Method::GET;
    let basic = base64::engine::general_purpose::STANDARD.encode("anyone:s3cret-admin-token");
    assert_eq!(
        gate.screen(&get, &headers(&[("host", "10.1.2.3:4010")])),
        Err(Refusal::Unauthorized)
    );
    assert_eq!(
        gate.screen(
            &get,
            &headers(&[("authorization", "Bearer s3cret-admin-tokeN")])
        ),
        Err(Refusal::Unauthorized)
    );
    assert_eq!(
        gate.screen(
            &get,
            &headers(&[("authorization", "Bearer s3cret-admin-token")])
        ),
        Ok(())
    );
    assert_eq!(
        gate.screen(
            &get,
            &headers(&[("authorization", &format!("Basic {basic}"))])
        ),
        Ok(())
    );
    assert_eq!(
        AdminGate::new("0.0.0.0", None).screen(&get, &headers(&[("authorization", "Bearer x")])),
        Err(Refusal::Unauthorized),
        "beyond loopback without a token, nothing is admitted"
    );
}

#[test]
fn generated_tokens_differ_and_debug_hides_them() {
    let (a, b) = (
        AdminToken::generate().expect("random"),
        AdminToken::generate().expect("random"),
    );
    assert_ne!(a, b);
    assert_eq!(a.reveal().len(), 32);
    assert!(!format!("{a:?}").contains(a.reveal()));
}
