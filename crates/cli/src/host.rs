//! `mulaqat-cli host`: an embedded server and the links to it, each also as
//! a browser link (`http://HOST:PORT/join#t=TOKEN`).

use std::time::Duration;

use anyhow::Result;

#[derive(Debug, clap::Args)]
pub(crate) struct HostArgs {
    /// Address for the embedded server (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8717")]
    listen: std::net::SocketAddr,
    /// The room to make links for.
    #[arg(long, default_value = "consultation")]
    room: mulaqat_protocol::RoomId,
    /// Guests wait in a lobby until a host admits them.
    #[arg(long)]
    lobby: bool,
    /// How long the links stay valid.
    #[arg(long, default_value = "8h", value_parser = humantime::parse_duration)]
    ttl: Duration,
}

#[allow(clippy::print_stdout)] // The links are this command's output.
pub(crate) async fn host(args: HostArgs) -> Result<()> {
    let data = std::env::temp_dir().join(format!("mulaqat-cli-host-{}", std::process::id()));
    let secret = mulaqat_server::secret::random();
    let mut rooms = mulaqat_server::rooms::RoomSettings::default();
    if !args.lobby {
        rooms.default_kind = mulaqat_protocol::RoomKind::Meeting;
    }
    let server = mulaqat_server::start(
        mulaqat_server::ServerConfig {
            listen: args.listen,
            data_dir: Some(data),
            rooms,
            ..Default::default()
        },
        secret.clone(),
    )
    .await?;
    let signer = mulaqat_server::token::TokenSigner::new(&secret);
    let now = mulaqat_protocol::UnixMillis(
        u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis(),
        )
        .unwrap_or(0),
    );
    let url = server.client_url().to_owned();
    for (label, role) in [
        ("host", mulaqat_protocol::Role::Host),
        ("guest", mulaqat_protocol::Role::Guest),
    ] {
        let token = signer.issue(args.room.clone(), role, now, args.ttl.as_secs());
        println!(
            "{label} link: {}",
            mulaqat_server::token::join_link(&url, &token)
        );
        println!(
            "browser link: {}",
            mulaqat_server::token::browser_link(&url, &token)?
        );
    }
    println!("listening on {url}; Ctrl-C stops the server");
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}
