# `pkgs` for Cargo.dependencies.nix in host mode: well-known nixpkgs names resolved to
# what the host provides, so one file works in both modes. Each entry is a derivation
# exposing the host's tools (bin/) and pkg-config modules (lib/pkgconfig); headers and
# libraries stay where the host compiler finds them. A name not listed here is an
# evaluation error pointing at the line that uses it.
{ runScript }:
let
  hostPackage =
    name:
    {
      bins ? [ ],
      modules ? [ ],
      libs ? [ ],
      debian,
    }:
    let
      drv = runScript "host-${name}" { inherit bins modules libs debian; } ''
        mkdir -p "$out/bin" "$out/lib/pkgconfig"
        missing() { echo "libnix-tui: $1 is not installed on this host (Debian package: $debian)" >&2; exit 1; }
        for bin in $bins; do
          found=
          for dir in /usr/local/bin /usr/bin /bin; do
            if [ -x "$dir/$bin" ]; then ln -s "$dir/$bin" "$out/bin/$bin"; found=1; break; fi
          done
          [ -n "$found" ] || missing "$bin"
        done
        pcdirs="/usr/local/lib/pkgconfig /usr/lib/$(uname -m)-linux-gnu/pkgconfig /usr/lib/pkgconfig /usr/share/pkgconfig"
        link_module() {
          [ -e "$out/lib/pkgconfig/$1.pc" ] && return 0
          for dir in $pcdirs; do
            if [ -f "$dir/$1.pc" ]; then
              ln -s "$dir/$1.pc" "$out/lib/pkgconfig/$1.pc"
              for req in $(sed -n 's/^Requires\(\.private\)\?:\(.*\)/\2/p' "$dir/$1.pc" | tr ',' ' ' | sed 's/[<>=!][=]*[[:space:]]*[^[:space:]]*//g'); do
                link_module "$req" || true
              done
              return 0
            fi
          done
          return 1
        }
        for module in $modules; do link_module "$module" || missing "pkg-config module $module"; done
        for lib in $libs; do
          found=
          for dir in /usr/local/lib /usr/lib/$(uname -m)-linux-gnu /usr/lib /usr/lib/llvm-*/lib; do
            for file in "$dir"/lib$lib.so*; do
              if [ -e "$file" ]; then ln -sf "$file" "$out/lib/"; found=1; fi
            done
          done
          [ -n "$found" ] || missing "lib$lib"
        done
      '';
    in
    drv
    // {
      # nixpkgs splits outputs; host packages have one, reachable under every name.
      dev = drv;
      out = drv;
      lib = drv;
      bin = drv;
    };
  known = builtins.mapAttrs hostPackage {
    pkg-config = { bins = [ "pkg-config" ]; debian = "pkg-config"; };
    cmake = { bins = [ "cmake" ]; debian = "cmake"; };
    protobuf = { bins = [ "protoc" ]; debian = "protobuf-compiler"; };
    perl = { bins = [ "perl" ]; debian = "perl"; };
    python3 = { bins = [ "python3" ]; debian = "python3"; };
    git = { bins = [ "git" ]; debian = "git"; };
    nasm = { bins = [ "nasm" ]; debian = "nasm"; };
    clang = { bins = [ "clang" ]; debian = "clang"; };
    libclang = { libs = [ "clang" ]; debian = "libclang-dev"; };
    openssl = { modules = [ "openssl" ]; debian = "libssl-dev"; };
    sqlite = { modules = [ "sqlite3" ]; debian = "libsqlite3-dev"; };
    zlib = { modules = [ "zlib" ]; debian = "zlib1g-dev"; };
    zstd = { modules = [ "libzstd" ]; debian = "libzstd-dev"; };
    bzip2 = { modules = [ "bzip2" ]; debian = "libbz2-dev"; };
    xz = { modules = [ "liblzma" ]; debian = "liblzma-dev"; };
    curl = { modules = [ "libcurl" ]; debian = "libcurl4-openssl-dev"; };
    libgit2 = { modules = [ "libgit2" ]; debian = "libgit2-dev"; };
    libssh2 = { modules = [ "libssh2" ]; debian = "libssh2-1-dev"; };
    alsa-lib = { modules = [ "alsa" ]; debian = "libasound2-dev"; };
    udev = { modules = [ "libudev" ]; debian = "libudev-dev"; };
    systemd = { modules = [ "libudev" "libsystemd" ]; debian = "libudev-dev libsystemd-dev"; };
    libpcap = { modules = [ "libpcap" ]; debian = "libpcap-dev"; };
    fuse = { modules = [ "fuse" ]; debian = "libfuse-dev"; };
    fuse3 = { modules = [ "fuse3" ]; debian = "libfuse3-dev"; };
    dbus = { modules = [ "dbus-1" ]; debian = "libdbus-1-dev"; };
    freetype = { modules = [ "freetype2" ]; debian = "libfreetype-dev"; };
    fontconfig = { modules = [ "fontconfig" ]; debian = "libfontconfig-dev"; };
    expat = { modules = [ "expat" ]; debian = "libexpat1-dev"; };
    libffi = { modules = [ "libffi" ]; debian = "libffi-dev"; };
    libxml2 = { modules = [ "libxml-2.0" ]; debian = "libxml2-dev"; };
    libusb1 = { modules = [ "libusb-1.0" ]; debian = "libusb-1.0-0-dev"; };
    libsodium = { modules = [ "libsodium" ]; debian = "libsodium-dev"; };
    gmp = { modules = [ "gmp" ]; debian = "libgmp-dev"; };
    wayland = { modules = [ "wayland-client" ]; debian = "libwayland-dev"; };
    libxkbcommon = { modules = [ "xkbcommon" ]; debian = "libxkbcommon-dev"; };
    glib = { modules = [ "glib-2.0" "gobject-2.0" "gio-2.0" ]; debian = "libglib2.0-dev"; };
    gtk3 = { modules = [ "gtk+-3.0" ]; debian = "libgtk-3-dev"; };
    libpulseaudio = { modules = [ "libpulse" ]; debian = "libpulse-dev"; };
    hidapi = { modules = [ "hidapi-hidraw" ]; debian = "libhidapi-dev"; };
  };
in
known
// {
  xorg = builtins.mapAttrs hostPackage {
    libX11 = { modules = [ "x11" ]; debian = "libx11-dev"; };
    libxcb = { modules = [ "xcb" ]; debian = "libxcb1-dev"; };
    libXi = { modules = [ "xi" ]; debian = "libxi-dev"; };
    libXrandr = { modules = [ "xrandr" ]; debian = "libxrandr-dev"; };
    libXcursor = { modules = [ "xcursor" ]; debian = "libxcursor-dev"; };
  };
  llvmPackages = {
    inherit (known) clang libclang;
  };
  pkgconfig = known.pkg-config;
  alsaLib = known.alsa-lib;
  runCommand = runScript;
  runCommandCC = runScript;
  runCommandNoCC = runScript;
  writeText = name: text: runScript name { inherit text; passAsFile = [ "text" ]; } ''cp "$textPath" "$out"'';
}
