use std::ffi::CStr;

/// The OpenSSL version string of the library this crate was linked against.
pub fn openssl_version() -> String {
    // SAFETY: OpenSSL_version returns a pointer to a static NUL-terminated string.
    unsafe { CStr::from_ptr(openssl_sys::OpenSSL_version(openssl_sys::OPENSSL_VERSION)) }
        .to_string_lossy()
        .into_owned()
}
