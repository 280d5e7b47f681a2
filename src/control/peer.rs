//! Who is on the other end of the control socket, and whether they may use it: the peer's
//! uid and gid come from the kernel (`SO_PEERCRED`), the login name from /etc/passwd, group
//! membership from /etc/group. Read fresh for every connection, so a change to the group
//! database applies at once. No libc calls: plain file parsing.

use std::path::Path;

/// The system's user database.
pub const PASSWD: &str = "/etc/passwd";
/// The system's group database.
pub const GROUP: &str = "/etc/group";

/// The peer of one connection, as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Effective uid.
    pub uid: u32,
    /// Effective gid.
    pub gid: u32,
}

/// Who may use the socket: root, its owner, and members of its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The socket's owner (the war room's user).
    pub owner: u32,
    /// The socket's group (the session file's group).
    pub group: u32,
}

/// One line of /etc/passwd, the fields used here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
}

/// Finds the user with `uid` in passwd-format text.
pub fn user_by_uid(passwd: &str, uid: u32) -> Option<User> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        let gid: u32 = f.next()?.parse().ok()?;
        (id == uid && !name.is_empty() && !name.starts_with('#')).then(|| User {
            name: name.to_string(),
            uid,
            gid,
        })
    })
}

/// The name and members of the group with `gid` in group-format text.
pub fn group_by_gid(group: &str, gid: u32) -> Option<(String, Vec<String>)> {
    group.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        let members = f.next().unwrap_or("");
        (id == gid && !name.is_empty() && !name.starts_with('#')).then(|| {
            (
                name.to_string(),
                members
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        })
    })
}

/// The peer, resolved against the user and group databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The login name, or `uid-N` when /etc/passwd has no entry (such a user is in no
    /// `[operators]` table, so it is an observer).
    pub login: String,
    /// The peer's uid.
    pub uid: u32,
}

/// Resolves the peer and decides whether it may use the socket; `Err` says why not in words
/// fit for the log and the client.
pub fn check(
    peer: &Peer,
    access: &Access,
    passwd: &str,
    group: &str,
) -> (Identity, Result<(), String>) {
    let user = user_by_uid(passwd, peer.uid);
    let login = user
        .as_ref()
        .map_or_else(|| format!("uid-{}", peer.uid), |u| u.name.clone());
    let id = Identity {
        login: login.clone(),
        uid: peer.uid,
    };
    if peer.uid == 0 || peer.uid == access.owner {
        return (id, Ok(()));
    }
    let (gname, members) = group_by_gid(group, access.group)
        .unwrap_or_else(|| (format!("gid {}", access.group), Vec::new()));
    let member = peer.gid == access.group
        || user.as_ref().is_some_and(|u| u.gid == access.group)
        || members.contains(&login);
    if member {
        (id, Ok(()))
    } else {
        (
            id,
            Err(format!(
                "{login} (uid {}) is not in group {gname}, the session's group; the control \
                 socket is open to that group only",
                peer.uid
            )),
        )
    }
}

/// Reads a database file; a missing one reads as empty (every lookup then fails closed).
pub fn read_db(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The name of group `gid` on this machine, or `gid N`.
pub fn group_name(gid: u32) -> String {
    group_by_gid(&read_db(Path::new(GROUP)), gid).map_or_else(|| format!("gid {gid}"), |(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
                          ops:x:1000:1000::/home/ops:/bin/sh\n\
                          rel:x:1001:1001::/home/rel:/bin/sh\n\
                          dev:x:1002:50::/home/dev:/bin/sh\n\
                          nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    const GROUP: &str = "root:x:0:\nops:x:1000:\nrelease:x:50:rel , other\nnogroup:x:65534:\n";

    fn access() -> Access {
        Access {
            owner: 1000,
            group: 50,
        }
    }

    #[test]
    fn parses_the_databases() {
        assert_eq!(
            user_by_uid(PASSWD, 1001),
            Some(User {
                name: "rel".into(),
                uid: 1001,
                gid: 1001
            })
        );
        assert_eq!(user_by_uid(PASSWD, 7), None);
        assert_eq!(user_by_uid("broken\n::x\n", 0), None);
        assert_eq!(
            group_by_gid(GROUP, 50),
            Some(("release".into(), vec!["rel".into(), "other".into()]))
        );
        assert_eq!(group_by_gid(GROUP, 0), Some(("root".into(), vec![])));
        assert_eq!(group_by_gid(GROUP, 9), None);
    }

    #[test]
    fn root_the_owner_and_group_members_may_connect() {
        let ok = |uid, gid| {
            let (id, verdict) = check(&Peer { uid, gid }, &access(), PASSWD, GROUP);
            verdict.map(|()| id.login)
        };
        assert_eq!(ok(0, 0).as_deref(), Ok("root"));
        assert_eq!(ok(1000, 1000).as_deref(), Ok("ops"));
        // Listed as a member in /etc/group.
        assert_eq!(ok(1001, 1001).as_deref(), Ok("rel"));
        // The group as the peer's effective gid, and as its primary gid in /etc/passwd.
        assert_eq!(ok(65534, 50).as_deref(), Ok("nobody"));
        assert_eq!(ok(1002, 1002).as_deref(), Ok("dev"));
    }

    #[test]
    fn everyone_else_is_refused_with_a_reason() {
        let (id, verdict) = check(
            &Peer {
                uid: 65534,
                gid: 65534,
            },
            &access(),
            PASSWD,
            GROUP,
        );
        assert_eq!(id.login, "nobody");
        let why = verdict.expect_err("outside the group");
        assert!(
            why.contains("nobody (uid 65534) is not in group release"),
            "{why}"
        );
        // An unknown uid is named by number and refused.
        let (id, verdict) = check(
            &Peer {
                uid: 4242,
                gid: 4242,
            },
            &access(),
            PASSWD,
            GROUP,
        );
        assert_eq!(id.login, "uid-4242");
        assert!(verdict.is_err());
        // Unreadable databases fail closed for anyone but root and the owner.
        assert!(
            check(
                &Peer {
                    uid: 1001,
                    gid: 1001
                },
                &access(),
                "",
                ""
            )
            .1
            .is_err()
        );
        assert!(
            check(
                &Peer {
                    uid: 1000,
                    gid: 1000
                },
                &access(),
                "",
                ""
            )
            .1
            .is_ok()
        );
    }
}
