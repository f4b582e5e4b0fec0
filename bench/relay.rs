//! What forwarding alone costs on this machine: a byte relay on tokio that opens one upstream
//! connection per client connection and copies bytes both ways, with no HTTP parsing, judging or
//! pooling. The benchmark runs it beside `mfa-contract proxy` and nginx.
//!
//! cargo run --release --example relay -- PORT UPSTREAM_HOST:PORT WORKERS

use tokio::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(4030);
    let upstream = args.next().unwrap_or_else(|| "127.0.0.1:4010".to_owned());
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = TcpListener::bind(("127.0.0.1", port)).await?;
            loop {
                let (mut client, _) = listener.accept().await?;
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        })
}
