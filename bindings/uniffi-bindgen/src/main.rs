//! The workspace's own `uniffi-bindgen`, pinned to the same uniffi version as `vaora-ffi`
//! (a bindgen from another version would read the library's metadata wrongly).
//! Usage: `cargo run -p uniffi-bindgen -- generate <libvaora_ffi.so> --language kotlin --out-dir DIR -n`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
