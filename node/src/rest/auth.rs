//! Optional HTTP basic authentication for the REST API (off by default).
//!
//! Worker key `rest.auth.basic.users`:
//!
//! * a value starting with `/` or `./` is a file of `user:password` lines (blank lines
//!   and lines starting with `#` are skipped; the password is everything after the
//!   first `:`, so it may contain `:` and `,`), like the users file of Kafka's
//!   `BasicAuthSecurityRestExtension`;
//! * anything else is an inline list `user:pass,user2:pass2`.
//!
//! When set, every request needs `Authorization: Basic base64(user:password)` of a
//! listed user; otherwise the answer is 401 `{"error_code":401,"message":"..."}` with a
//! `WWW-Authenticate: Basic` challenge. TLS is not provided: put a TLS-terminating
//! proxy in front when credentials cross an untrusted network.

use std::sync::Arc;

use warp::filters::BoxedFilter;
use warp::http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Filter;

use super::errors::ApiError;
pub use crate::auth::BasicAuth;

#[derive(Debug)]
struct Unauthorized;
impl warp::reject::Reject for Unauthorized {}

fn unauthorized() -> Response {
    let mut r = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "Credentials are required to access this resource (HTTP basic authentication)",
    )
    .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"raftconnect\""),
    );
    r
}

/// `routes`, behind basic auth when `auth` is set.
pub fn protect<F>(auth: Option<Arc<BasicAuth>>, routes: F) -> BoxedFilter<(Response,)>
where
    F: Filter<Extract = (Response,), Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let Some(auth) = auth else {
        return routes.map(|r: Response| r).boxed();
    };
    warp::header::optional::<String>(header::AUTHORIZATION.as_str())
        .and_then(move |h: Option<String>| {
            let ok = auth.allows(h.as_deref());
            async move {
                if ok {
                    Ok(())
                } else {
                    Err(warp::reject::custom(Unauthorized))
                }
            }
        })
        .untuple_one()
        .and(routes)
        .recover(|r: warp::Rejection| async move {
            if r.find::<Unauthorized>().is_some() {
                Ok(unauthorized())
            } else {
                Err(r)
            }
        })
        .unify()
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use warp::Reply;

    fn basic(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    }

    fn hello() -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone {
        warp::any().map(|| warp::reply::json(&"hello").into_response())
    }

    #[test]
    fn parses_inline_and_file_users() {
        let a = BasicAuth::from_config("alice:pw1, bob:p:w").unwrap();
        assert!(a.allows(Some(&basic("alice", "pw1"))));
        assert!(a.allows(Some(&basic("bob", "p:w"))));
        assert!(!a.allows(Some(&basic("alice", "pw2"))));
        assert!(!a.allows(Some(&basic("carol", "pw1"))));
        assert!(!a.allows(None));
        assert!(!a.allows(Some("Bearer abc")));
        assert!(!a.allows(Some("Basic !!!")));

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("users");
        std::fs::write(&f, "# admins\nadmin: a,b:c\n\n").unwrap();
        let a = BasicAuth::from_config(&f.display().to_string()).unwrap();
        assert!(a.allows(Some(&basic("admin", "a,b:c"))));
        assert!(format!("{a:?}").contains("admin") && !format!("{a:?}").contains("a,b:c"));

        assert!(BasicAuth::from_config("nocolon").is_err());
        assert!(BasicAuth::from_config("/no/such/users/file").is_err());
    }

    #[tokio::test]
    async fn requests_need_valid_credentials() {
        let auth = Arc::new(BasicAuth::from_config("alice:pw").unwrap());
        let api = protect(Some(auth), hello());
        let r = warp::test::request().path("/connectors").reply(&api).await;
        assert_eq!(r.status(), 401);
        let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(body["error_code"], 401);
        assert!(body["message"].is_string());
        assert!(r.headers().contains_key("www-authenticate"));

        let r = warp::test::request()
            .path("/connectors")
            .header("authorization", basic("alice", "wrong"))
            .reply(&api)
            .await;
        assert_eq!(r.status(), 401);

        let r = warp::test::request()
            .method("PUT")
            .path("/connectors/x/config")
            .header("authorization", basic("alice", "pw"))
            .body("{}")
            .reply(&api)
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.body().as_ref(), b"\"hello\"");
    }

    #[tokio::test]
    async fn guards_the_whole_api() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(raftconnect_raft::local::LocalStore::open(dir.path()).unwrap());
        let herder = Arc::new(crate::herder::Herder::new(
            store,
            Arc::new(crate::plugins::Plugins::builtin()),
            "w:8083".into(),
        ));
        let auth = Arc::new(BasicAuth::from_config("ops:pw").unwrap());
        let api = protect(Some(auth), super::super::routes(herder));
        for (method, path) in [
            ("GET", "/"),
            ("GET", "/connectors"),
            ("POST", "/connectors"),
            ("GET", "/no/such/path"),
        ] {
            let r = warp::test::request()
                .method(method)
                .path(path)
                .reply(&api)
                .await;
            assert_eq!(r.status(), 401, "{method} {path}");
        }
        let r = warp::test::request()
            .path("/connectors")
            .header("authorization", basic("ops", "pw"))
            .reply(&api)
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.body().as_ref(), b"[]");
    }

    #[tokio::test]
    async fn off_by_default() {
        let api = protect(None, hello());
        let r = warp::test::request().path("/").reply(&api).await;
        assert_eq!(r.status(), 200);
    }
}
