//! Wire forms of the domain's typed replies: where the success markers of the protocol
//! (a batch's per-instance `Code` `"200"` and `Message` `"success"`) are written.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::ecs::batch::Outcome;

/// The `Code` of an instance a batch applied its operation to.
pub const SUCCESS_CODE: &str = "200";
/// The `Message` of an instance a batch applied its operation to.
pub const SUCCESS_MESSAGE: &str = "success";

/// One `InstanceResponse` of StartInstances / StopInstances / RebootInstances:
/// `InstanceId, Code, Message, PreviousStatus, CurrentStatus` (a status the caller may
/// not see is `""`).
impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (code, message) = match &self.result {
            Ok(()) => (SUCCESS_CODE, SUCCESS_MESSAGE),
            Err(e) => (e.code.as_ref(), e.message.as_ref()),
        };
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("InstanceId", &self.instance_id)?;
        m.serialize_entry("Code", code)?;
        m.serialize_entry("Message", message)?;
        m.serialize_entry("PreviousStatus", self.previous.map_or("", |s| s.as_str()))?;
        m.serialize_entry("CurrentStatus", self.current.map_or("", |s| s.as_str()))?;
        m.end()
    }
}
