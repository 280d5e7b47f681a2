//! Signed heads: the session log's chain head signed with an operator's SSH key, in OpenSSH's
//! `SSHSIG` format (what `ssh-keygen -Y sign` and git's SSH commit signing write).
//!
//! A bare hash chain can be recomputed by anyone who can edit the file; a signature over the
//! head cannot be made without the operator's private key. The signed text, the namespace and
//! the recorded fields are described in docs/session-log.md ("Signed heads").
//!
//! - [`Signer`] signs with an unencrypted OpenSSH key file or through ssh-agent (the private key
//!   then never enters this process).
//! - [`AllowedSigners`] reads git's `allowed_signers` file.
//! - [`sign_head`] / [`verify_head`] sign and check one head; [`HeadSignature`] is what the log
//!   records.
//! - [`sign_message`](Signer::sign_message) / [`verify_message`] do the same for any text in
//!   any namespace.
//! - [`SignSetup`] reads which key a war room signs with; [`HeadSigner`] signs off the loop.
//! - [`log::check`] checks every signature of a session log and names each decision's signer.
//! - [`ApprovalClaim`] is what an approver signs with `warroom approve --cluster`.

mod agent;
mod allowed;
mod approval;
mod head;
mod keygen;
pub mod log;
mod pattern;
mod setup;
mod signer;
mod sshsig;
mod worker;

pub use allowed::{AllowedSigners, AllowedSignersError};
pub use approval::{APPROVAL_NAMESPACE, ApprovalClaim, MAX_REASON, verify_approval};
pub use head::{
    HEAD_NAMESPACE, HeadSignature, close_message, head_message, sign_close, sign_head, verify_head,
};
pub use keygen::throwaway_key;
pub use setup::{KeySource, SIGNER_ENV, SignSetup, parse_setting};
pub use signer::{AGENT_TIMEOUT, KeySelector, SignError, Signer};
pub use sshsig::{Verified, VerifyError, verify_message};
pub use worker::{CLOSE_TIMEOUT, HeadSigner, Signed};
