//! Any text as a settings file, a machine policy, a server config or a
//! server address: parsing never panics; settings that parse write out and
//! read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mulaqat_server::config::ServerConfig;
use mulaqat_settings::discovery::ServerAddress;
use mulaqat_settings::{MachinePolicy, UserSettings};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((settings, _unknown)) = UserSettings::from_toml(text) {
        let written = settings.to_toml().expect("parsed settings write out");
        let (again, unknown) = UserSettings::from_toml(&written).expect("written settings parse");
        assert_eq!(again, settings);
        assert!(unknown.is_empty(), "{unknown:?}");
    }
    let _ = MachinePolicy::from_toml(text);
    if let Ok(config) = toml::from_str::<ServerConfig>(text) {
        let _ = config.validate();
    }
    let _ = ServerAddress::parse(text);
});
