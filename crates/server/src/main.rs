//! The `mulaqat-server` command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use mulaqat_protocol::{Role, RoomId, RoomKind, UnixMillis};
use mulaqat_server::config::{ServerConfig, TlsConfig};
use mulaqat_server::directory::RoomDirectory;
use mulaqat_server::rooms::RoomDefinition;
use mulaqat_server::token::{TokenSigner, browser_link, join_link};

/// The Mulaqat control plane: rooms, the waiting room (lobby), signed join
/// links, chat and WebRTC signalling for Mulaqat clients.
///
/// Without a subcommand it serves. Settings come from a TOML file
/// (--config) with flags on top. The token-signing secret is made on first
/// use in the data directory and must be kept private.
#[derive(Debug, Parser)]
#[command(
    name = "mulaqat-server",
    version,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Accept client connections (the default).
    Serve(ServeArgs),
    /// Print a join link for a room, signed with this server's secret, and
    /// on a second line the same for a browser (`browser link: https://...`).
    Token(TokenArgs),
    /// Set up, list or delete rooms ahead of time.
    #[command(subcommand)]
    Room(RoomCommand),
}

#[derive(Debug, Args, Clone)]
struct CommonArgs {
    /// TOML configuration file (see docs/server.md for every key).
    #[arg(long, short = 'c', env = "MULAQAT_SERVER_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Directory for the secret and rooms.toml [default: $STATE_DIRECTORY, else ~/.local/share/mulaqat-server].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// The URL clients reach this server at, used in join links (e.g. wss://meet.hospital.example).
    #[arg(long, global = true)]
    public_url: Option<String>,
}

#[derive(Debug, Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Address and port to listen on; port 0 picks a free one [default: 127.0.0.1:8717].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// PEM certificate chain: serve wss:// (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A STUN URL handed to clients (repeatable), e.g. stun:turn.hospital.example:3478.
    #[arg(long = "stun-url")]
    stun_urls: Vec<String>,
    /// A TURN URL of a coturn using use-auth-secret (repeatable); needs --turn-secret-file.
    #[arg(long = "turn-url")]
    turn_urls: Vec<String>,
    /// File holding coturn's static-auth-secret; clients get credentials valid for one hour.
    #[arg(long)]
    turn_secret_file: Option<PathBuf>,
    /// Log filter, e.g. info or mulaqat_server=debug [env: RUST_LOG].
    #[arg(long, default_value = "info")]
    log: String,
}

#[derive(Debug, Args)]
struct TokenArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The room the link opens.
    #[arg(long)]
    room: RoomId,
    /// What the link allows.
    #[arg(long, value_enum, default_value = "guest")]
    role: RoleArg,
    /// How long the link stays valid (e.g. 30m, 2h, 7d).
    #[arg(long, default_value = "2h", value_parser = humantime::parse_duration)]
    ttl: Duration,
}

#[derive(Debug, Subcommand)]
enum RoomCommand {
    /// Set up a room ahead of time (replaces one of the same name).
    Create(RoomCreateArgs),
    /// List the rooms set up ahead of time.
    List {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Delete a room set up ahead of time (a meeting in it goes on).
    Delete {
        #[command(flatten)]
        common: CommonArgs,
        /// The room.
        name: RoomId,
    },
}

#[derive(Debug, Args)]
struct RoomCreateArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The room's name (letters, digits, '.', '_', '-').
    name: RoomId,
    /// Consultation rooms have a lobby by default; meeting and command rooms do not (command rooms use the SFU).
    #[arg(long, value_enum, default_value = "consultation")]
    kind: KindArg,
    /// Guests wait in the lobby until a host admits them.
    #[arg(long, conflicts_with = "no_lobby")]
    lobby: bool,
    /// Guests enter directly.
    #[arg(long)]
    no_lobby: bool,
    /// Most participants in the room.
    #[arg(long)]
    max_participants: Option<u32>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Host,
    Guest,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Consultation,
    Meeting,
    /// A command meeting: through the SFU from the start, no lobby.
    Command,
}

fn load_config(common: &CommonArgs) -> Result<ServerConfig> {
    let mut config = match &common.config {
        Some(path) => ServerConfig::load(path)?,
        None => ServerConfig::default(),
    };
    if let Some(dir) = &common.data_dir {
        config.data_dir = Some(dir.clone());
    }
    if let Some(url) = &common.public_url {
        config.public_url = Some(url.clone());
    }
    Ok(config)
}

fn now() -> UnixMillis {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UnixMillis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

#[allow(clippy::print_stdout)] // Printing the link is this command's output.
fn token(args: TokenArgs) -> Result<()> {
    let config = load_config(&args.common)?;
    let secret = mulaqat_server::secret::load_or_create(&config.secret_path())?;
    let role = match args.role {
        RoleArg::Host => Role::Host,
        RoleArg::Guest => Role::Guest,
    };
    let ttl = args.ttl.as_secs();
    if ttl == 0 {
        bail!("--ttl must be at least one second");
    }
    let token = TokenSigner::new(&secret).issue(args.room, role, now(), ttl);
    if config.public_url.is_none() {
        eprintln!(
            "note: no --public-url or public_url in the config; the link points at {}",
            config.listen
        );
    }
    let server_url = config.client_url(config.listen);
    // The first line is the link alone: scripts read it.
    println!("{}", join_link(&server_url, &token));
    match browser_link(&server_url, &token) {
        Ok(browser) => println!("browser link: {browser}"),
        // The app link above still works: say why there is no second line.
        Err(e) => eprintln!("note: no browser link: {e}"),
    }
    if !mulaqat_server::web::built_in() {
        eprintln!(
            "note: this mulaqat-server was built without the browser client, so the browser \
             link answers 503 (cd ui && npm run build:web, then rebuild the server)"
        );
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
fn room(command: RoomCommand) -> Result<()> {
    match command {
        RoomCommand::Create(args) => {
            let config = load_config(&args.common)?;
            let directory = RoomDirectory::new(config.rooms_path());
            let definition = RoomDefinition {
                kind: match args.kind {
                    KindArg::Consultation => RoomKind::Consultation,
                    KindArg::Meeting => RoomKind::Meeting,
                    KindArg::Command => RoomKind::Command,
                },
                lobby: match (args.lobby, args.no_lobby) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                max_participants: args.max_participants,
            };
            let replaced = directory.put(args.name.clone(), definition)?;
            let verb = if replaced { "updated" } else { "created" };
            println!(
                "room {} {verb} in {}",
                args.name,
                directory.path().display()
            );
        }
        RoomCommand::List { common } => {
            let config = load_config(&common)?;
            let directory = RoomDirectory::new(config.rooms_path());
            for (name, def) in directory.list()? {
                let lobby = def.lobby.unwrap_or_else(|| def.kind.lobby_by_default());
                let max = def
                    .max_participants
                    .unwrap_or(config.rooms.max_participants);
                println!("{name}\t{:?}\tlobby={lobby}\tmax={max}", def.kind);
            }
        }
        RoomCommand::Delete { common, name } => {
            let config = load_config(&common)?;
            let directory = RoomDirectory::new(config.rooms_path());
            if !directory.remove(&name)? {
                bail!("no room {name} in {}", directory.path().display());
            }
            println!("room {name} deleted");
        }
    }
    Ok(())
}

#[allow(clippy::print_stdout)] // The one line scripts and tests wait for.
async fn serve(args: ServeArgs) -> Result<()> {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| args.log.clone());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&filter).context("invalid --log filter")?,
        )
        .with_writer(std::io::stderr)
        .init();
    let mut config = load_config(&args.common)?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        config.tls = Some(TlsConfig { cert, key });
    }
    config.ice.stun_urls.extend(args.stun_urls);
    config.ice.turn_urls.extend(args.turn_urls);
    if args.turn_secret_file.is_some() {
        config.ice.turn_secret_file = args.turn_secret_file;
    }
    let secret = mulaqat_server::secret::load_or_create(&config.secret_path())?;
    let server = mulaqat_server::start(config, secret).await?;
    let scheme = if server.client_url().starts_with("wss") {
        "wss"
    } else {
        "ws"
    };
    let stop = shutdown_signal();
    println!("listening on {scheme}://{}", server.local_addr());
    tracing::info!(url = server.client_url(), "mulaqat-server ready");
    server.run_until(stop).await;
    Ok(())
}

/// SIGTERM or Ctrl-C. The SIGTERM handler is installed when this is
/// called, not when the future is first polled: a SIGTERM that comes just
/// after "listening on" is printed must end the server gracefully, not kill
/// it (seen on a loaded machine: clients got no `closed`).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        #[cfg(unix)]
        if let Ok(mut term) = term {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Token(args)) => token(args),
        Some(Command::Room(command)) => room(command),
        Some(Command::Serve(args)) => run_serve(args),
        None => run_serve(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mulaqat-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_serve(args: ServeArgs) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}
