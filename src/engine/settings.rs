//! Settings: every key the engine understands, its value and default, checked before it
//! is stored.

use super::{ChangedArea, Engine, EngineError, EngineEvent};
use crate::settings::Settings as Table;

pub use crate::settings::SettingValue;

pub struct Settings<'e> {
    pub(super) engine: &'e Engine,
}

impl Settings<'_> {
    pub fn list(&self) -> Result<Vec<SettingValue>, EngineError> {
        let store = self.engine.store();
        Ok(Table::new(&store).list()?)
    }

    pub fn get(&self, key: &str) -> Result<SettingValue, EngineError> {
        let store = self.engine.store();
        Ok(Table::new(&store).get(key)?)
    }

    /// Checks and stores a value; returns the setting as stored (values are normalized:
    /// trimmed, lower-cased where case does not matter).
    pub fn set(&self, key: &str, value: &str) -> Result<SettingValue, EngineError> {
        let setting = {
            let store = self.engine.store();
            let table = Table::new(&store);
            table.set(key, value)?;
            table.get(key)?
        };
        self.changed();
        Ok(setting)
    }

    /// Back to the default.
    pub fn unset(&self, key: &str) -> Result<SettingValue, EngineError> {
        let setting = {
            let store = self.engine.store();
            let table = Table::new(&store);
            table.unset(key)?;
            table.get(key)?
        };
        self.changed();
        Ok(setting)
    }

    fn changed(&self) {
        self.engine.emit(EngineEvent::Changed {
            what: ChangedArea::Settings,
        });
    }
}
