//! [`App`]: what the desktop shell's commands call. One per process; it
//! owns the settings, the frame socket, the media engine, the call and the
//! embedded server, and reports to the UI through an [`EventSink`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use mulaqat_client::link::JoinLink;
use mulaqat_client::transport::SignallingTarget;
use mulaqat_client::{SessionConfig, UserAction};
use mulaqat_media::devices::{DeviceWatcher, TestDevices};
use mulaqat_media::frames::FrameServer;
use mulaqat_media::{DeviceId, Quality};
use mulaqat_protocol::UnixMillis;
use mulaqat_settings::{EffectiveSettings, LoadedPolicy, PolicyError, SettingsFile};
use tokio::sync::Mutex as AsyncMutex;

use crate::call::{ActiveCall, CallStart};
use crate::error::{CommandError, CommandErrorCode};
use crate::events::{AppEvent, EventSink};
use crate::ipc::{self, CallSnapshot, LocalMedia};
use crate::media::{MediaChoice, RunningMedia};
use crate::meeting::{EmbeddedServer, new_room_id};
use crate::snapshot::unix_millis;

/// How the app starts.
#[derive(Debug)]
pub struct AppConfig {
    /// Where the person's settings live.
    pub settings_file: SettingsFile,
    /// The machine policy, as read (an error is shown and left out).
    pub policy: Result<LoadedPolicy, PolicyError>,
    /// When test camera and microphone stand in for real ones.
    pub test_devices: TestDevices,
    /// Where the embedded server listens when this computer hosts.
    pub embedded_listen: SocketAddr,
    /// The embedded server's data folder.
    pub data_dir: PathBuf,
}

/// The frame socket's wire version (docs/frames.md).
const FRAME_PROTOCOL: u32 = 1;

/// The desktop app's backend.
pub struct App {
    settings_file: SettingsFile,
    test_devices: TestDevices,
    embedded_listen: SocketAddr,
    data_dir: PathBuf,
    settings: Mutex<EffectiveSettings>,
    frames: FrameServer,
    devices: DeviceWatcher,
    sink: Arc<dyn EventSink>,
    media: AsyncMutex<Option<RunningMedia>>,
    call: AsyncMutex<Option<ActiveCall>>,
    embedded: AsyncMutex<Option<EmbeddedServer>>,
    /// The guest links of meetings this app started, by room code.
    meetings: Mutex<Vec<ipc::StartedMeeting>>,
    /// A link to open once the UI asks ([`App::set_open_link`]).
    open_link: Mutex<Option<String>>,
    /// Recent rooms' join tokens, in the OS keyring.
    room_tokens: crate::recent::RoomTokens,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl App {
    /// Loads settings and policy, starts the frame socket and the device
    /// watcher. Nothing is captured until [`App::start_preview`] or a call.
    pub async fn start(config: AppConfig, sink: Arc<dyn EventSink>) -> Result<App, CommandError> {
        let AppConfig {
            settings_file,
            policy,
            test_devices,
            embedded_listen,
            data_dir,
        } = config;
        let settings = EffectiveSettings::load(&settings_file, policy);
        for notice in settings.notices() {
            tracing::warn!("settings: {notice}");
        }
        if settings.is_locked(mulaqat_settings::SettingKey::LaunchAtLogin) {
            // IT decides: make the login start match the policy.
            let on = settings.values().launch_at_login;
            let applied = std::env::current_exe()
                .map_err(|e| e.to_string())
                .and_then(|exe| {
                    crate::autostart::set_launch_at_login(&exe, on).map_err(|e| e.to_string())
                });
            if let Err(e) = applied {
                tracing::warn!("the policy's launch_at_login could not be applied: {e}");
            }
        }
        let frames = FrameServer::start()
            .await
            .map_err(|e| CommandError::internal(format!("the video socket did not start: {e}")))?;
        let device_sink = sink.clone();
        let devices = DeviceWatcher::start(test_devices, move |event| {
            device_sink.emit(AppEvent::DeviceChanged(crate::events::device_change(event)));
        })
        .map_err(|e| CommandError::internal(format!("devices cannot be listed: {e}")))?;
        Ok(App {
            settings_file,
            test_devices,
            embedded_listen,
            data_dir,
            settings: Mutex::new(settings),
            frames,
            devices,
            sink,
            media: AsyncMutex::new(None),
            call: AsyncMutex::new(None),
            embedded: AsyncMutex::new(None),
            meetings: Mutex::new(Vec::new()),
            open_link: Mutex::new(None),
            room_tokens: crate::recent::RoomTokens::default(),
        })
    }

    // ---- app, settings, devices ----

    /// Keeps a link the app was started with until the UI asks
    /// ([`ipc::AppInfo::open_link`]).
    pub fn set_open_link(&self, link: String) {
        *locked(&self.open_link) = Some(link);
    }

    /// Version, platform and what this machine can do (and a link to open,
    /// handed over once).
    pub fn app_info(&self) -> ipc::AppInfo {
        ipc::AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            platform: platform(),
            embedded_server: locked(&self.settings).values().server_url.is_none(),
            screen_share: screen_share_availability(self.test_devices).is_ok(),
            frame_protocol: FRAME_PROTOCOL,
            open_link: locked(&self.open_link).take(),
        }
    }

    /// Every setting with its lock.
    pub fn settings(&self) -> ipc::Settings {
        ipc::Settings::from(&locked(&self.settings).view())
    }

    /// Changes one setting and saves; a key policy sets is refused.
    pub fn update_setting(
        &self,
        change: ipc::UpdateSettingArgs,
    ) -> Result<ipc::Settings, CommandError> {
        let mut settings = locked(&self.settings);
        let change = change.into_change()?;
        if let mulaqat_settings::SettingChange::LaunchAtLogin(on) = change
            && !settings.is_locked(mulaqat_settings::SettingKey::LaunchAtLogin)
        {
            // The OS first: a setting that says "on" must mean it is.
            let exe = std::env::current_exe().map_err(|e| {
                CommandError::internal(format!("could not find this program's path: {e}"))
            })?;
            crate::autostart::set_launch_at_login(&exe, on)
                .map_err(|e| CommandError::internal(e.to_string()))?;
        }
        settings.update(change).map_err(CommandError::from)?;
        self.settings_file
            .save(settings.user())
            .map_err(|e| CommandError::internal(format!("the setting could not be saved: {e}")))?;
        Ok(ipc::Settings::from(&settings.view()))
    }

    /// The encoders Mulaqat knows, and whether each works on this machine
    /// (the probe runs in the background from start-up).
    pub fn list_encoders(&self) -> Vec<ipc::EncoderInfo> {
        mulaqat_media::shared_encoders()
            .results()
            .into_iter()
            .map(|r| ipc::EncoderInfo {
                available: matches!(r.outcome, mulaqat_media::encode::ProbeOutcome::Working(_)),
                element: r.element,
                codec: r.codec.into(),
                hardware: r.hardware,
            })
            .collect()
    }

    /// Plays a short chime on the speaker.
    pub async fn play_test_sound(&self, speaker: Option<DeviceId>) -> Result<(), CommandError> {
        if speaker.is_some() {
            tracing::debug!("the test sound plays on the default speaker");
        }
        let played = tokio::task::spawn_blocking(|| {
            mulaqat_media::play_test_tone(std::time::Duration::from_millis(600))
        })
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?;
        played.map_err(|e| {
            CommandError::new(
                CommandErrorCode::DeviceUnavailable,
                format!("no sound could be played ({e}); check that a speaker is connected and not muted"),
            )
        })
    }

    /// The pre-join network check for `target`'s server: it answers and
    /// accepts the link, a TURN relay allocates, and rough bandwidth.
    pub async fn network_check(
        &self,
        target: ipc::JoinTarget,
    ) -> Result<ipc::NetworkCheck, CommandError> {
        let link = self.resolve(target)?;
        let trust = {
            let settings = locked(&self.settings);
            settings
                .check_server(&link.server)
                .map_err(CommandError::from)?;
            settings.trust()
        };
        Ok(crate::netcheck::run(&link, &trust).await)
    }

    /// Cameras, microphones and speakers (test ones when there are none).
    pub fn list_devices(&self) -> Vec<ipc::DeviceInfo> {
        self.devices.list().into_iter().map(Into::into).collect()
    }

    /// Rooms joined before, newest first.
    pub fn recent_rooms(&self) -> Vec<ipc::RecentRoom> {
        let settings = locked(&self.settings);
        settings
            .values()
            .recent_rooms
            .iter()
            .map(Into::into)
            .collect()
    }

    /// The frame socket's address and this launch's token.
    pub fn frame_socket(&self) -> ipc::FrameSocketInfo {
        ipc::FrameSocketInfo {
            url: self.frames.url(),
            token: self.frames.token().to_owned(),
        }
    }

    // ---- preview ----

    fn media_choice(&self, camera: Option<DeviceId>, microphone: Option<DeviceId>) -> MediaChoice {
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

    // ---- the call ----

    /// Joins by link (or by the code of a meeting this app started).
    pub async fn join_call(
        &self,
        target: ipc::JoinTarget,
        display_name: String,
        quality: ipc::QualityChoice,
    ) -> Result<CallSnapshot, CommandError> {
        let link = self.resolve(target)?;
        let (relay_only, pinned_ca) = {
            let settings = locked(&self.settings);
            settings
                .check_server(&link.server)
                .map_err(CommandError::from)?;
            (settings.relay_only(), settings.trust().extra_ca_pem)
        };
        let mut call = self.call.lock().await;
        if let Some(old) = call.take() {
            if !old.is_over() {
                *call = Some(old);
                return Err(CommandError::new(
                    CommandErrorCode::AlreadyJoined,
                    "you are already in a call; leave it first",
                ));
            }
            old.finish().await;
        }
        let mut media = self.media.lock().await.take();
        let needs_restart = media.is_none() || quality != ipc::QualityChoice::Auto;
        if needs_restart {
            if let Some(old) = media.take() {
                old.stop().await;
            }
            let mut choice = self.media_choice(None, None);
            if let Some(q) = quality.fixed() {
                choice.quality = q.into();
            }
            media = Some(RunningMedia::start(
                &choice,
                self.frames.output(),
                self.sink.clone(),
            )?);
        }
        let Some(mut media) = media else {
            return Err(CommandError::internal("no media engine"));
        };
        let Some(engine_events) = media.take_events().await else {
            return Err(CommandError::internal("the media engine stopped"));
        };
        let local = fresh_local_media();
        let mut session = SessionConfig::new(link.room.clone(), &display_name, link.token.clone());
        session.decodes = mulaqat_client::runner::decodable_codecs();
        let active = ActiveCall::start(
            CallStart {
                session,
                signalling: SignallingTarget {
                    url: link.websocket_url(),
                    pinned_ca,
                },
                relay_only,
                engine: media.engine.clone(),
                engine_events,
                local,
            },
            self.sink.clone(),
        );
        let snapshot = active.snapshot();
        *call = Some(active);
        self.remember_room(&link);
        Ok(snapshot)
    }

    fn resolve(&self, target: ipc::JoinTarget) -> Result<JoinLink, CommandError> {
        let text = match target {
            ipc::JoinTarget::Link { link } => link,
            ipc::JoinTarget::Recent { server, room } => {
                return self.room_tokens.link(&server, &room);
            }
            ipc::JoinTarget::RoomCode { room_code } => locked(&self.meetings)
                .iter()
                .find(|m| m.room_code.eq_ignore_ascii_case(room_code.trim()))
                .map(|m| m.host_link.clone())
                .ok_or_else(|| {
                    CommandError::new(
                        CommandErrorCode::InvalidLink,
                        "no meeting with that code was started here; ask the host for the link",
                    )
                })?,
        };
        JoinLink::parse(&text)
            .map_err(|e| CommandError::new(CommandErrorCode::InvalidLink, e.to_string()))
    }

    /// Lists a room just joined on the home screen, unless it is one of this
    /// app's own meetings on the embedded server (gone when the app closes).
    fn remember_room(&self, link: &JoinLink) {
        let embedded = locked(&self.meetings)
            .iter()
            .any(|m| m.server == ipc::MeetingServer::Embedded && m.room == link.room.as_str());
        if embedded {
            return;
        }
        {
            let mut settings = locked(&self.settings);
            settings.record_recent_room(
                link.room.clone(),
                link.server.clone(),
                None,
                UnixMillis(unix_millis()),
            );
            if let Err(e) = self.settings_file.save(settings.user()) {
                tracing::warn!("recent rooms not saved: {e}");
            }
        }
        self.room_tokens.keep(link);
    }

    /// The call as it stands (idle when there is none).
    pub async fn call_snapshot(&self) -> CallSnapshot {
        match &*self.call.lock().await {
            Some(call) => call.snapshot(),
            None => crate::snapshot::SnapshotKeeper::new(None, fresh_local_media())
                .snapshot()
                .clone(),
        }
    }

    async fn act(&self, action: UserAction) -> Result<(), CommandError> {
        match &*self.call.lock().await {
            Some(call) if call.act(action) => Ok(()),
            _ => Err(CommandError::not_in_call()),
        }
    }

    /// Leaves the call and releases its media.
    pub async fn leave_call(&self) -> Result<(), CommandError> {
        let Some(call) = self.call.lock().await.take() else {
            return Err(CommandError::not_in_call());
        };
        let engine = call.engine.clone();
        call.finish().await;
        let _ = tokio::task::spawn_blocking(move || engine.stop()).await;
        Ok(())
    }

    /// Host: ends the meeting for everyone.
    pub async fn end_meeting(&self) -> Result<(), CommandError> {
        self.act(UserAction::EndMeeting).await
    }

    /// Host: lets a waiting guest in.
    pub async fn admit(&self, participant: &str) -> Result<(), CommandError> {
        self.act(UserAction::Admit(participant_id(participant)?))
            .await
    }

    /// Host: turns a waiting guest away.
    pub async fn deny(&self, participant: &str) -> Result<(), CommandError> {
        self.act(UserAction::Deny(participant_id(participant)?))
            .await
    }

    /// Host: removes someone from the call.
    pub async fn remove(&self, participant: &str) -> Result<(), CommandError> {
        self.act(UserAction::Remove(participant_id(participant)?))
            .await
    }

    /// Mutes or unmutes the microphone (no audio is sent while muted).
    pub async fn set_mic_muted(&self, muted: bool) -> Result<(), CommandError> {
        self.set_local(|local| local.mic_muted = muted).await
    }

    /// Turns the camera off (a placeholder picture is sent) or on.
    pub async fn set_camera_enabled(&self, enabled: bool) -> Result<(), CommandError> {
        self.set_local(|local| local.camera_enabled = enabled).await
    }

    async fn set_local(&self, change: impl FnOnce(&mut LocalMedia)) -> Result<(), CommandError> {
        let call = self.call.lock().await;
        let Some(call) = call.as_ref().filter(|c| !c.is_over()) else {
            return Err(CommandError::not_in_call());
        };
        call.update_local(change);
        let local = call.snapshot().local;
        call.engine.set_microphone_muted(local.mic_muted);
        call.engine
            .set_camera_enabled(local.camera_enabled)
            .map_err(|e| CommandError::new(CommandErrorCode::DeviceUnavailable, e.to_string()))?;
        call.act(UserAction::SetMedia(crate::call::media_state(&local)));
        Ok(())
    }

    /// Sends a chat message to everyone in the call.
    pub async fn send_chat(&self, text: String) -> Result<(), CommandError> {
        self.act(UserAction::Chat(text)).await
    }

    /// Raises or lowers the hand.
    pub async fn raise_hand(&self, raised: bool) -> Result<(), CommandError> {
        if let Some(call) = &*self.call.lock().await {
            call.update_local(|local| local.hand_raised = raised);
        }
        self.act(UserAction::RaiseHand(raised)).await
    }

    /// Shares the screen with everyone in the call: in the camera's place in a
    /// peer-to-peer room, as a stream of its own in an SFU room (the call
    /// session decides, as the room changes). Gives the self-view's track;
    /// in an SFU room the screen's own preview comes as a `trackStarted` of
    /// `local:screen`.
    ///
    /// In a Wayland session the desktop first asks, in its own dialog, which
    /// screen or window to share; the call goes on meanwhile (the call lock
    /// is not held), and closing that dialog fails with `cancelled`.
    pub async fn start_screen_share(&self) -> Result<String, CommandError> {
        let engine = {
            let call = self.call.lock().await;
            let Some(call) = call.as_ref().filter(|c| !c.is_over()) else {
                return Err(CommandError::not_in_call());
            };
            call.engine.clone()
        };
        let source = engine
            .screen_source()
            .map_err(|why| CommandError::new(CommandErrorCode::ScreenShareUnavailable, why))?;
        if source == mulaqat_media::screen::ScreenSource::Portal && !engine.has_portal_screen() {
            let screen = mulaqat_media::portal::choose_screen()
                .await
                .map_err(|e| match e {
                    mulaqat_media::portal::PortalError::Cancelled => {
                        CommandError::new(CommandErrorCode::Cancelled, e.to_string())
                    }
                    other => CommandError::new(
                        CommandErrorCode::ScreenShareUnavailable,
                        other.to_string(),
                    ),
                })?;
            engine.set_portal_screen(Some(screen));
        }
        let call = self.call.lock().await;
        let Some(call) = call
            .as_ref()
            .filter(|c| !c.is_over() && c.engine.is_same(&engine))
        else {
            // The call ended while the dialog was open.
            engine.set_portal_screen(None);
            return Err(CommandError::not_in_call());
        };
        call.update_local(|local| local.screen_sharing = true);
        call.act(UserAction::SetMedia(crate::call::media_state(
            &call.snapshot().local,
        )));
        Ok(mulaqat_media::SELF_VIEW_TRACK.to_owned())
    }

    /// Stops sharing the screen (the camera is sent again where it was replaced).
    pub async fn stop_screen_share(&self) -> Result<(), CommandError> {
        let call = self.call.lock().await;
        let Some(call) = call.as_ref().filter(|c| !c.is_over()) else {
            return Err(CommandError::not_in_call());
        };
        call.update_local(|local| local.screen_sharing = false);
        call.act(UserAction::SetMedia(crate::call::media_state(
            &call.snapshot().local,
        )));
        // A screen from the desktop portal goes once its capture stops.
        call.engine.set_portal_screen(None);
        Ok(())
    }

    /// Whether a call is under way (closing the window then hides it).
    pub async fn in_call(&self) -> bool {
        self.call
            .lock()
            .await
            .as_ref()
            .is_some_and(|c| !c.is_over())
    }

    // ---- meetings ----

    /// Starts a meeting on this computer's embedded server and returns its links.
    pub async fn start_meeting(&self, lobby: bool) -> Result<ipc::StartedMeeting, CommandError> {
        if locked(&self.settings).values().server_url.is_some() {
            return Err(CommandError::new(
                CommandErrorCode::ServerUnreachable,
                "starting meetings on your hospital's server needs an account there, which this \
                 version cannot sign in to yet; ask the server's administrator for a host link",
            ));
        }
        if !locked(&self.settings).allow_guest_links() {
            return Err(CommandError::new(
                CommandErrorCode::Forbidden,
                "your IT department does not allow guest invitation links on this computer",
            ));
        }
        let mut embedded = self.embedded.lock().await;
        if embedded.is_none() {
            *embedded = Some(
                EmbeddedServer::start(self.embedded_listen, self.data_dir.clone(), lobby).await?,
            );
        }
        let Some(server) = embedded.as_ref() else {
            return Err(CommandError::internal("the embedded server is not running"));
        };
        let links = server.links(new_room_id()?, UnixMillis(unix_millis()))?;
        let started = ipc::StartedMeeting {
            room_code: links.room.to_string(),
            room: links.room.to_string(),
            host_link: links.host_link,
            guest_link: links.guest_link,
            browser_link: links.guest_browser_link,
            browser_link_note: links.browser_note,
            server: ipc::MeetingServer::Embedded,
        };
        locked(&self.meetings).push(started.clone());
        Ok(started)
    }

    /// Ends the call, stops the media and the embedded server (app closing).
    pub async fn shutdown(&self) {
        if let Some(call) = self.call.lock().await.take() {
            call.finish().await;
        }
        if let Some(media) = self.media.lock().await.take() {
            media.stop().await;
        }
        if let Some(server) = self.embedded.lock().await.take() {
            server.shutdown().await;
        }
    }
}

/// What a call starts with: microphone and camera on, no screen, no hand.
fn fresh_local_media() -> LocalMedia {
    LocalMedia {
        mic_muted: false,
        camera_enabled: true,
        screen_sharing: false,
        hand_raised: false,
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

/// Whether this session can share its screen; if not, why (for people).
fn screen_share_availability(test_devices: TestDevices) -> Result<(), String> {
    use mulaqat_media::screen::{ScreenEnvironment, choose_screen_source};
    mulaqat_media::init().map_err(|e| e.to_string())?;
    let env = ScreenEnvironment::current(test_devices == TestDevices::Only);
    choose_screen_source(&env)
        .map(drop)
        .map_err(|e| e.to_string())
}

fn participant_id(id: &str) -> Result<mulaqat_protocol::ParticipantId, CommandError> {
    mulaqat_protocol::ParticipantId::new(id).map_err(|e| {
        CommandError::new(CommandErrorCode::UnknownParticipant, format!("{id:?}: {e}"))
    })
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

/// The platform the UI adapts to.
fn platform() -> ipc::Platform {
    if cfg!(windows) {
        ipc::Platform::Windows
    } else if cfg!(target_os = "macos") {
        ipc::Platform::Macos
    } else {
        ipc::Platform::Linux
    }
}
