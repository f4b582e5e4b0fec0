//! Running an actix server: on its own thread for tests and embedding (the mock and the proxy),
//! stopped and joined on drop; or in the foreground until Ctrl-C.

use actix_web::dev::{Server, ServerHandle};

/// A server on its own thread, with its own actix system.
pub struct ServerThread {
    handle: ServerHandle,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl ServerThread {
    /// Starts `build` on a thread named `name` and waits until it serves. `build` makes the
    /// server from a bound listener; it runs on the new thread, inside its actix system.
    pub fn spawn(
        name: String,
        build: impl FnOnce() -> std::io::Result<Server> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let server = build()?;
                    // The receiver waits for this; if it is gone there is nobody to serve.
                    let _ = sender.send(server.handle());
                    server.await
                })
            })?;
        let handle = receiver
            .recv()
            .map_err(|_| std::io::Error::other(format!("{name} ended before it started")))?;
        Ok(Self {
            handle,
            thread: Some(thread),
        })
    }

    /// Stops accepting, lets requests in flight finish (bounded), and joins the thread.
    pub fn stop(&mut self, graceful: bool) {
        // The stop command is sent when `stop` is called; the future only reports completion.
        drop(self.handle.stop(graceful));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        // Graceful, and bounded by the server's own shutdown timeout.
        self.stop(true);
    }
}
