//! The camera and microphone before a call: the self-view, and which
//! devices, size and encoder the media engine starts with.

use mulaqat_media::{DeviceId, Quality};

use super::{App, locked};
use crate::error::{CommandError, CommandErrorCode};
use crate::media::{MediaChoice, RunningMedia};

impl App {
    pub(super) fn media_choice(
        &self,
        camera: Option<DeviceId>,
        microphone: Option<DeviceId>,
    ) -> MediaChoice {
        let settings = locked(&self.settings);
        let values = settings.values();
        MediaChoice {
            camera: camera.or_else(|| values.camera.clone().map(DeviceId)),
            microphone: microphone.or_else(|| values.microphone.clone().map(DeviceId)),
            speaker: values.speaker.clone().map(DeviceId),
            quality: engine_quality(values.quality),
            clinical_audio: values.clinical_audio,
            test_devices: self.test_devices,
            pinned_encoder: pinned_encoder(&values.encoder),
        }
    }

    /// Starts the camera and microphone for the self-view (restarting them
    /// with other devices if already running outside a call).
    pub async fn start_preview(
        &self,
        camera: Option<DeviceId>,
        microphone: Option<DeviceId>,
    ) -> Result<String, CommandError> {
        if self
            .call
            .lock()
            .await
            .as_ref()
            .is_some_and(|c| !c.is_over())
        {
            return Ok(mulaqat_media::SELF_VIEW_TRACK.to_owned());
        }
        let mut media = self.media.lock().await;
        if let Some(old) = media.take() {
            old.stop().await;
        }
        let choice = self.media_choice(camera, microphone);
        *media = Some(RunningMedia::start(
            &choice,
            self.frames.output(),
            self.sink.clone(),
        )?);
        Ok(mulaqat_media::SELF_VIEW_TRACK.to_owned())
    }

    /// Stops the camera and microphone (not during a call).
    pub async fn stop_preview(&self) {
        if let Some(media) = self.media.lock().await.take() {
            media.stop().await;
        }
    }

    /// Switches the camera now (the others apply from the next start).
    pub async fn set_devices(
        &self,
        camera: Option<DeviceId>,
        microphone: Option<DeviceId>,
        speaker: Option<DeviceId>,
    ) -> Result<(), CommandError> {
        {
            let mut settings = locked(&self.settings);
            use mulaqat_settings::SettingChange as C;
            for change in [
                camera.clone().map(|d| C::Camera(Some(d.0))),
                microphone.map(|d| C::Microphone(Some(d.0))),
                speaker.map(|d| C::Speaker(Some(d.0))),
            ]
            .into_iter()
            .flatten()
            {
                settings.update(change).map_err(CommandError::from)?;
            }
            if let Err(e) = self.settings_file.save(settings.user()) {
                tracing::warn!("device choice not saved: {e}");
            }
        }
        let Some(camera) = camera else { return Ok(()) };
        let engine = match (&*self.call.lock().await, &*self.media.lock().await) {
            (Some(call), _) if !call.is_over() => Some(call.engine.clone()),
            (_, Some(media)) => Some(media.engine.clone()),
            _ => None,
        };
        if let Some(engine) = engine {
            engine.switch_camera(&camera).map_err(|e| {
                CommandError::new(CommandErrorCode::DeviceUnavailable, e.to_string())
            })?;
        }
        Ok(())
    }
}

/// The encoder element to pin for a preference: the element itself, the best
/// working software H.264 encoder for `software`, none for `auto` and
/// `hardware` (the engine tries hardware first anyway).
fn pinned_encoder(preference: &mulaqat_settings::EncoderPreference) -> Option<String> {
    use mulaqat_settings::EncoderPreference as P;
    match preference {
        P::Auto | P::Hardware => None,
        P::Pinned(element) => Some(element.clone()),
        P::Software => mulaqat_media::shared_encoders()
            .results()
            .into_iter()
            .find(|r| {
                !r.hardware
                    && r.codec == mulaqat_media::VideoCodec::H264
                    && matches!(r.outcome, mulaqat_media::encode::ProbeOutcome::Working(_))
            })
            .map(|r| r.element),
    }
}

/// `auto` sends 720p and lets the engine adapt; the others are caps.
fn engine_quality(quality: mulaqat_settings::Quality) -> Quality {
    use mulaqat_settings::Quality as Q;
    match quality {
        Q::Auto | Q::P720 => Quality::P720,
        Q::P2160 => Quality::P2160,
        Q::P1080 => Quality::P1080,
        Q::P360 => Quality::P360,
    }
}
