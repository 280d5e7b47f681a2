//! Who is asking, and what they may do: the simulator's users. A request without credentials
//! is the kubeconfig's default user (`warroom-sim`), allowed everything. A user is named by
//! impersonation (`Impersonate-User`, what kubeconfig's `as:` and `kubectl --as` send; the
//! default user may impersonate anyone) or by a bearer token (kubectl sends no token over plain
//! HTTP, so the written kubeconfig uses `as:`); any other credentials are the default user's.
//! A read-only user may get, list and watch, and
//! every write is refused with the 403 Status a real API server's RBAC sends; a name the
//! simulator does not know may do nothing. So tests can show the cluster's access control
//! deciding who may deliver an approval.

use serde::{Deserialize, Serialize};

use super::resources::Kind;
use super::status::ApiError;

/// A user the simulator knows by its bearer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimUser {
    /// The user name, as RBAC messages say it.
    pub name: String,
    /// May only read (get, list, watch).
    pub read_only: bool,
}

impl SimUser {
    /// The users every simulator has: `approver` (may write, e.g. deliver approvals) and
    /// `viewer` (read-only).
    pub fn defaults() -> Vec<SimUser> {
        vec![
            SimUser {
                name: "approver".into(),
                read_only: false,
            },
            SimUser {
                name: "viewer".into(),
                read_only: true,
            },
        ]
    }

    /// The bearer token the written kubeconfig gives this user (a simulator: fixed and public).
    pub fn token(&self) -> String {
        token_of(&self.name)
    }
}

/// The bearer token of user `name`.
pub fn token_of(name: &str) -> String {
    format!("warroom-sim-token-{name}")
}

/// The verb a request is, in RBAC's words.
pub fn verb(method: &axum::http::Method, has_name: bool, watching: bool) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET if watching => "watch",
        Method::GET if has_name => "get",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if has_name => "delete",
        Method::DELETE => "deletecollection",
        _ => "get",
    }
}

/// Decides a request: `Ok` to go on, or the 403 (a read-only user's write, anything by an
/// impersonated user the simulator does not know) to answer. `authorization` and
/// `impersonate` are the headers' values, if any.
pub fn authorize(
    users: &[SimUser],
    authorization: Option<&str>,
    impersonate: Option<&str>,
    verb: &str,
    kind: Kind,
    namespace: Option<&str>,
) -> Result<(), ApiError> {
    let name = match (present(impersonate), present(authorization)) {
        (Some(user), _) => user.to_string(),
        (None, Some(header)) => {
            let token = header.strip_prefix("Bearer ").map(str::trim);
            // Any other credentials are the default user's: the simulator authenticates
            // nobody, it only tells its named users apart.
            match users.iter().find(|u| Some(u.token().as_str()) == token) {
                Some(u) => u.name.clone(),
                None => return Ok(()),
            }
        }
        (None, None) => return Ok(()),
    };
    let read = matches!(verb, "get" | "list" | "watch");
    let allowed = users
        .iter()
        .find(|u| u.name == name)
        .is_some_and(|u| read || !u.read_only);
    if allowed {
        return Ok(());
    }
    Err(ApiError::Forbidden {
        user: name,
        verb: verb.to_string(),
        kind,
        namespace: namespace.map(str::to_string),
    })
}

fn present(h: Option<&str>) -> Option<&str> {
    h.map(str::trim).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_users_read_and_are_refused_writes_as_rbac_words_it() {
        let users = SimUser::defaults();
        let viewer = format!("Bearer {}", token_of("viewer"));
        let approver = format!("Bearer {}", token_of("approver"));
        let ok =
            |h: Option<&str>, verb| authorize(&users, h, None, verb, Kind::ConfigMap, Some("demo"));
        assert!(
            ok(None, "create").is_ok(),
            "no credentials: the default user"
        );
        assert!(ok(Some(&approver), "create").is_ok());
        for v in ["get", "list", "watch"] {
            assert!(ok(Some(&viewer), v).is_ok(), "{v}");
        }
        let e = ok(Some(&viewer), "create").expect_err("refused");
        assert_eq!(e.code(), 403);
        let s = e.status();
        assert_eq!(
            s["message"],
            "configmaps is forbidden: User \"viewer\" cannot create resource \"configmaps\" in \
             API group \"\" in the namespace \"demo\""
        );
        assert_eq!(s["reason"], "Forbidden");
        assert_eq!(s["details"]["kind"], "configmaps");
        assert!(
            ok(Some("Bearer any-other-token"), "create").is_ok(),
            "other credentials: the default user"
        );
        // Impersonation names the user as kubectl sends it; an unknown user may do nothing.
        let as_user = |who, verb| authorize(&users, None, Some(who), verb, Kind::Pod, Some("demo"));
        assert!(as_user("viewer", "list").is_ok());
        assert_eq!(as_user("viewer", "patch").map_err(|e| e.code()), Err(403));
        assert!(as_user("approver", "patch").is_ok());
        assert_eq!(as_user("stranger", "get").map_err(|e| e.code()), Err(403));
    }
}
