# @libnix-tui library file: `libnix-tui export` replaces it; edit the original in libnix-tui's nix/.
# `pkgs` for Cargo.dependencies.nix in host mode: well-known nixpkgs names resolved to
# what the host provides, so one file works in both modes. Each entry is a derivation
# exposing the host's tools (bin/) and pkg-config modules (lib/pkgconfig); headers and
# libraries stay where the host compiler finds them. A name not listed here is an
# evaluation error pointing at the line that uses it. Every package the failure diagnosis
# can suggest (data/native-deps.toml) is here: tests/host_pkgs.rs keeps the two in step.
{ runScript }:
let
  hostPackage =
    name:
    {
      bins ? [ ],
      modules ? [ ],
      libs ? [ ],
      # Linked when the host has them; what nixpkgs' package also gives but Debian's
      # package of the same name may not (`python`), or another Debian package does.
      optionalBins ? [ ],
      optionalModules ? [ ],
      debian,
    }:
    let
      drv = runScript "host-${name}" { inherit bins modules libs optionalBins optionalModules debian; } ''
        mkdir -p "$out/bin" "$out/lib/pkgconfig"
        missing() { echo "libnix-tui: $1 is not installed on this host (Debian package: $debian)" >&2; exit 1; }
        link_bin() {
          for dir in /usr/local/bin /usr/bin /bin; do
            if [ -x "$dir/$1" ]; then ln -s "$dir/$1" "$out/bin/$1"; return 0; fi
          done
          return 1
        }
        for bin in $bins; do link_bin "$bin" || missing "$bin"; done
        for bin in $optionalBins; do link_bin "$bin" || true; done
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
        for module in $optionalModules; do link_module "$module" || true; done
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
    # Tools.
    pkg-config = { bins = [ "pkg-config" "pkgconf" ]; debian = "pkg-config"; };
    cmake = { bins = [ "cmake" ]; debian = "cmake"; };
    protobuf = { bins = [ "protoc" ]; debian = "protobuf-compiler"; };
    # capnp.pc is in libcapnp-dev, which build scripts that only run `capnp` do not need.
    capnproto = { bins = [ "capnp" ]; optionalModules = [ "capnp" ]; debian = "capnproto libcapnp-dev"; };
    flatbuffers = { bins = [ "flatc" ]; debian = "flatbuffers-compiler"; };
    perl = { bins = [ "perl" ]; debian = "perl"; };
    # Debian's python3 has no `python` (python-is-python3 adds it).
    python3 = { bins = [ "python3" ]; optionalBins = [ "python" ]; debian = "python3"; };
    gnumake = { bins = [ "make" "gmake" ]; debian = "make"; };
    coreutils = {
      bins = [ "mkdir" "cp" "ln" "mv" "rm" "cat" "chmod" "install" "touch" "ls" ];
      debian = "coreutils";
    };
    git = { bins = [ "git" ]; debian = "git"; };
    nasm = { bins = [ "nasm" ]; debian = "nasm"; };
    ninja = { bins = [ "ninja" ]; debian = "ninja-build"; };
    meson = { bins = [ "meson" ]; debian = "meson"; };
    m4 = { bins = [ "m4" ]; debian = "m4"; };
    bison = { bins = [ "bison" ]; debian = "bison"; };
    flex = { bins = [ "flex" ]; debian = "flex"; };
    autoconf = { bins = [ "autoreconf" "autoconf" ]; debian = "autoconf"; };
    automake = { bins = [ "automake" "aclocal" ]; debian = "automake"; };
    libtool = { bins = [ "libtoolize" ]; debian = "libtool"; };
    gobject-introspection = { bins = [ "g-ir-scanner" ]; debian = "gobject-introspection"; };
    clang = { bins = [ "clang" "clang++" ]; debian = "clang"; };
    libclang = { libs = [ "clang" ]; debian = "libclang-dev"; };

    # Libraries, by the pkg-config modules build scripts ask for; the few without a .pc
    # file on Debian by their shared library.
    openssl = { modules = [ "openssl" "libssl" "libcrypto" ]; debian = "libssl-dev"; };
    sqlite = { modules = [ "sqlite3" ]; debian = "libsqlite3-dev"; };
    zlib = { modules = [ "zlib" ]; debian = "zlib1g-dev"; };
    zstd = { modules = [ "libzstd" ]; debian = "libzstd-dev"; };
    # Debian 12's libbz2-dev ships no bzip2.pc (later ones do).
    bzip2 = { libs = [ "bz2" ]; optionalModules = [ "bzip2" ]; debian = "libbz2-dev"; };
    xz = { modules = [ "liblzma" ]; debian = "liblzma-dev"; };
    lz4 = { libs = [ "lz4" ]; debian = "liblz4-dev"; };
    snappy = { libs = [ "snappy" ]; debian = "libsnappy-dev"; };
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
    harfbuzz = { modules = [ "harfbuzz" ]; debian = "libharfbuzz-dev"; };
    expat = { modules = [ "expat" ]; debian = "libexpat1-dev"; };
    libffi = { modules = [ "libffi" ]; debian = "libffi-dev"; };
    libxml2 = { modules = [ "libxml-2.0" ]; debian = "libxml2-dev"; };
    libusb1 = { modules = [ "libusb-1.0" ]; debian = "libusb-1.0-0-dev"; };
    hidapi = { modules = [ "hidapi-hidraw" "hidapi-libusb" ]; debian = "libhidapi-dev"; };
    libsodium = { modules = [ "libsodium" ]; debian = "libsodium-dev"; };
    gmp = { modules = [ "gmp" ]; debian = "libgmp-dev"; };
    nettle = { modules = [ "nettle" "hogweed" ]; debian = "nettle-dev"; };
    gpgme = { modules = [ "gpgme" ]; debian = "libgpgme-dev"; };
    libgpg-error = { modules = [ "gpg-error" ]; debian = "libgpg-error-dev"; };
    libseccomp = { modules = [ "libseccomp" ]; debian = "libseccomp-dev"; };
    libcap = { modules = [ "libcap" ]; debian = "libcap-dev"; };
    libuuid = { modules = [ "uuid" ]; debian = "uuid-dev"; };
    util-linux = { modules = [ "blkid" "mount" ]; debian = "libblkid-dev libmount-dev"; };
    cryptsetup = { modules = [ "libcryptsetup" ]; debian = "libcryptsetup-dev"; };
    elfutils = { modules = [ "libelf" ]; debian = "libelf-dev"; };
    linux-pam = { libs = [ "pam" ]; debian = "libpam0g-dev"; };
    libarchive = { modules = [ "libarchive" ]; debian = "libarchive-dev"; };
    file = { libs = [ "magic" ]; debian = "libmagic-dev"; };
    oniguruma = { modules = [ "oniguruma" ]; debian = "libonig-dev"; };
    ncurses = { modules = [ "ncurses" "ncursesw" ]; debian = "libncurses-dev"; };
    libpng = { modules = [ "libpng" "libpng16" ]; debian = "libpng-dev"; };
    libjpeg = { modules = [ "libjpeg" ]; debian = "libjpeg-dev"; };
    libheif = { modules = [ "libheif" ]; debian = "libheif-dev"; };
    postgresql = { modules = [ "libpq" ]; bins = [ "pg_config" ]; debian = "libpq-dev"; };
    libmysqlclient = {
      modules = [ "mysqlclient" "libmariadb" ];
      bins = [ "mysql_config" ];
      debian = "default-libmysqlclient-dev";
    };
    rocksdb = { modules = [ "rocksdb" ]; debian = "librocksdb-dev"; };
    rdkafka = { modules = [ "rdkafka" ]; debian = "librdkafka-dev"; };
    zeromq = { modules = [ "libzmq" ]; debian = "libzmq3-dev"; };
    hdf5 = { modules = [ "hdf5" ]; debian = "libhdf5-dev"; };
    netcdf = { modules = [ "netcdf" ]; bins = [ "nc-config" ]; debian = "libnetcdf-dev"; };
    proj = { modules = [ "proj" ]; debian = "libproj-dev"; };
    gdal = { modules = [ "gdal" ]; debian = "libgdal-dev"; };
    tesseract = { modules = [ "tesseract" ]; debian = "libtesseract-dev"; };
    leptonica = { modules = [ "lept" ]; debian = "libleptonica-dev"; };
    opencv = { modules = [ "opencv4" ]; debian = "libopencv-dev"; };
    libvirt = { modules = [ "libvirt" ]; debian = "libvirt-dev"; };
    libsecret = { modules = [ "libsecret-1" ]; debian = "libsecret-1-dev"; };
    libnotify = { modules = [ "libnotify" ]; debian = "libnotify-dev"; };
    pcsclite = { modules = [ "libpcsclite" ]; debian = "libpcsclite-dev"; };
    tpm2-tss = { modules = [ "tss2-sys" "tss2-esys" ]; debian = "libtss2-dev"; };
    libmnl = { modules = [ "libmnl" ]; debian = "libmnl-dev"; };
    libnftnl = { modules = [ "libnftnl" ]; debian = "libnftnl-dev"; };
    libevdev = { modules = [ "libevdev" ]; debian = "libevdev-dev"; };
    libinput = { modules = [ "libinput" ]; debian = "libinput-dev"; };
    seatd = { modules = [ "libseat" ]; debian = "libseat-dev"; };
    libdrm = { modules = [ "libdrm" ]; debian = "libdrm-dev"; };
    libgbm = { modules = [ "gbm" ]; debian = "libgbm-dev"; };
    vulkan-loader = { modules = [ "vulkan" ]; debian = "libvulkan-dev"; };
    wayland = {
      modules = [ "wayland-client" "wayland-server" "wayland-cursor" "wayland-egl" ];
      debian = "libwayland-dev";
    };
    libxkbcommon = { modules = [ "xkbcommon" ]; debian = "libxkbcommon-dev"; };
    xdotool = { libs = [ "xdo" ]; debian = "libxdo-dev"; };
    SDL2 = { modules = [ "sdl2" ]; debian = "libsdl2-dev"; };
    libpulseaudio = { modules = [ "libpulse" "libpulse-simple" ]; debian = "libpulse-dev"; };
    libjack2 = { modules = [ "jack" ]; debian = "libjack-jackd2-dev"; };
    pipewire = {
      modules = [ "libpipewire-0.3" "libspa-0.2" ];
      debian = "libpipewire-0.3-dev libspa-0.2-dev";
    };
    speechd = { modules = [ "speech-dispatcher" ]; debian = "libspeechd-dev"; };
    ffmpeg = {
      modules = [ "libavcodec" "libavformat" "libavutil" "libswscale" "libswresample" "libavfilter" "libavdevice" ];
      debian = "libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev";
    };
    glib = {
      modules = [ "glib-2.0" "gobject-2.0" "gio-2.0" "gio-unix-2.0" "gmodule-2.0" ];
      debian = "libglib2.0-dev";
    };
    cairo = { modules = [ "cairo" "cairo-gobject" ]; debian = "libcairo2-dev"; };
    pango = { modules = [ "pango" "pangocairo" ]; debian = "libpango1.0-dev"; };
    atk = { modules = [ "atk" ]; debian = "libatk1.0-dev"; };
    gdk-pixbuf = { modules = [ "gdk-pixbuf-2.0" ]; debian = "libgdk-pixbuf-2.0-dev"; };
    graphene = { modules = [ "graphene-gobject-1.0" "graphene-1.0" ]; debian = "libgraphene-1.0-dev"; };
    gtk3 = { modules = [ "gtk+-3.0" "gdk-3.0" ]; debian = "libgtk-3-dev"; };
    gtk4 = { modules = [ "gtk4" ]; debian = "libgtk-4-dev"; };
    libsoup_3 = { modules = [ "libsoup-3.0" ]; debian = "libsoup-3.0-dev"; };
    webkitgtk_4_1 = {
      modules = [ "webkit2gtk-4.1" "javascriptcoregtk-4.1" ];
      debian = "libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev";
    };
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
  gst_all_1 = builtins.mapAttrs hostPackage {
    gstreamer = { modules = [ "gstreamer-1.0" ]; debian = "libgstreamer1.0-dev"; };
  };
  # The host toolchain's C compiler is already on every builder's PATH; this names it for
  # files shared with nixpkgs mode and fails with its Debian package when it is missing.
  stdenv.cc = hostPackage "cc" { bins = [ "cc" "gcc" "c++" "g++" ]; debian = "gcc g++"; };
  pkgconfig = known.pkg-config;
  alsaLib = known.alsa-lib;
  runCommand = runScript;
  runCommandCC = runScript;
  runCommandNoCC = runScript;
  writeText = name: text: runScript name { inherit text; passAsFile = [ "text" ]; } ''cp "$textPath" "$out"'';
}
