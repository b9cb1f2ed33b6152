//! World verbs for the control plane: throwaway accounts ([`accounts`]) and patches of
//! instances, accounts and zones in fixture field names ([`patches`]).
//!
//! Nothing here checks a business rule: a patch puts an entity in the state the test
//! asks for (a `Running` instance with a `security` lock, a zone without stock). What
//! is checked is that the result is a state the emulator can hold — the same checks as
//! a fixture file — and every refusal names the field at fault. Stock and quota stay
//! exact: an instance that starts or stops holding resources, or moves, takes and gives
//! back what it holds.

pub mod accounts;
pub mod patches;

/// Why a control-plane change was refused: a message that names the bad field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

pub(crate) fn refuse<T>(message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(message.into()))
}
