//! Talking to ssh-agent over its Unix socket: list the keys it holds, ask it to sign. The
//! private key stays in the agent; only the data to sign and the signature cross the socket.

use std::io::ErrorKind;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use ssh_agent_client_rs::{Client, Error as AgentError, Identity};
use ssh_key::{PublicKey, Signature};

use super::signer::SignError;

/// Opens a fresh connection: agents (forwarded ones especially) come and go, so none is kept.
fn connect(socket: &Path, timeout: Duration) -> Result<Client, SignError> {
    let stream = UnixStream::connect(socket).map_err(|e| SignError::Agent {
        socket: socket.to_path_buf(),
        reason: format!("cannot connect ({e}); is ssh-agent running and SSH_AUTH_SOCK right?"),
    })?;
    // Without a deadline a hung agent would hang the war room; a security key waiting for a
    // touch or an `ssh-add -c` confirmation needs a generous one.
    for r in [
        stream.set_read_timeout(Some(timeout)),
        stream.set_write_timeout(Some(timeout)),
    ] {
        r.map_err(|e| SignError::Agent {
            socket: socket.to_path_buf(),
            reason: format!("cannot set a timeout on the socket: {e}"),
        })?;
    }
    Ok(Client::with_read_write(Box::new(stream)))
}

/// The plain public keys the agent holds (certificates are left out).
pub(crate) fn identities(socket: &Path, timeout: Duration) -> Result<Vec<PublicKey>, SignError> {
    let all = connect(socket, timeout)?
        .list_all_identities()
        .map_err(|e| agent_error(socket, timeout, "list its keys", e))?;
    Ok(all
        .into_iter()
        .filter_map(|id| match id {
            Identity::PublicKey(k) => Some(k.into_owned()),
            Identity::Certificate(_) => None,
        })
        .collect())
}

/// Asks the agent to sign `data` with `key` (RSA keys with rsa-sha2-512).
pub(crate) fn sign(
    socket: &Path,
    timeout: Duration,
    key: &PublicKey,
    data: &[u8],
) -> Result<Signature, SignError> {
    connect(socket, timeout)?
        .sign(key, data)
        .map_err(|e| agent_error(socket, timeout, "sign", e))
}

fn agent_error(socket: &Path, timeout: Duration, what: &str, e: AgentError) -> SignError {
    let reason = match e {
        AgentError::AgentCommunicationError(io)
            if matches!(io.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
        {
            format!(
                "did not answer within {timeout:?} when asked to {what} (waiting for a \
                 confirmation or a security-key touch?)"
            )
        }
        AgentError::AgentCommunicationError(io) => format!("failed to {what}: {io}"),
        AgentError::RemoteFailure => format!(
            "refused to {what} (the key may have been removed with ssh-add -d, or a \
             confirmation was declined)"
        ),
        other => format!("failed to {what}: {other}"),
    };
    SignError::Agent {
        socket: socket.to_path_buf(),
        reason,
    }
}
