<#
.SYNOPSIS
  Lays out a private GStreamer runtime for the Mulaqat MSI.

.DESCRIPTION
  Copies what Mulaqat needs from an installed official GStreamer Windows
  runtime (gstreamer-1.0-msvc-x86_64-1.22.x.msi, installed with ADDLOCAL=ALL)
  into -Destination, which tauri.msi.conf.json maps into the install folder:

    <INSTALLDIR>\mulaqat.exe
    <INSTALLDIR>\*.dll                            GLib, GStreamer and codec libraries:
                                                  next to the exe, or it will not start
    <INSTALLDIR>\lib\gstreamer-1.0\*.dll          the plugins below
    <INSTALLDIR>\lib\gio\modules\*.dll            GIO TLS (libnice TURN over TLS)
    <INSTALLDIR>\libexec\gstreamer-1.0\gst-plugin-scanner.exe

  Only the plugins listed in $Plugins are taken (the engine's elements,
  crates/media/src/inventory.rs, plus Windows capture, sound and hardware
  codecs). GPL plugins (x264, x265) are left out: H.264 comes from
  openh264 and the hardware encoders (Media Foundation, NVENC, QSV, AMF).

.EXAMPLE
  pwsh packaging/windows/collect-gstreamer.ps1 -Source C:\gstreamer\1.0\msvc_x86_64 -Destination target\gstreamer-runtime
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory = $true)][string]$Source,
  [Parameter(Mandatory = $true)][string]$Destination
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# Plugin DLL base names (gst<name>.dll) under lib\gstreamer-1.0.
$Plugins = @(
  # core and base
  'coreelements', 'app', 'videoconvertscale', 'videorate', 'videotestsrc', 'audiotestsrc',
  'audioconvert', 'audioresample', 'audiomixer', 'volume', 'playback', 'typefindfunctions',
  'opus', 'autodetect', 'level', 'jpeg', 'png', 'vpx',
  # RTP and WebRTC
  'rtp', 'rtpmanager', 'srtp', 'dtls', 'sctp', 'nice', 'webrtc', 'webrtcdsp',
  'videoparsersbad', 'openh264', 'libav',
  # Windows devices and hardware codecs
  'wasapi', 'wasapi2', 'directsound', 'mediafoundation', 'd3d11', 'nvcodec', 'qsv', 'amfcodec',
  'winscreencap', 'dxgiscreencap'
)

if (-not (Test-Path (Join-Path $Source 'bin\gstreamer-1.0-0.dll'))) {
  throw "$Source does not look like a GStreamer runtime (no bin\gstreamer-1.0-0.dll)"
}
if (Test-Path $Destination) { Remove-Item -Recurse -Force $Destination }
$pluginDest = Join-Path $Destination 'lib\gstreamer-1.0'
$gioDest = Join-Path $Destination 'lib\gio\modules'
$scannerDest = Join-Path $Destination 'libexec\gstreamer-1.0'
New-Item -ItemType Directory -Force -Path $Destination, $pluginDest, $gioDest, $scannerDest | Out-Null

# Every library of the runtime's bin\ (dependencies of the plugins are hard
# to list exactly; the folder holds libraries only, no GPL codecs).
Copy-Item (Join-Path $Source 'bin\*.dll') $Destination

$missing = @()
foreach ($name in $Plugins) {
  $dll = Join-Path $Source "lib\gstreamer-1.0\gst$name.dll"
  if (Test-Path $dll) { Copy-Item $dll $pluginDest } else { $missing += $name }
}
if ($missing.Count -gt 0) {
  Write-Warning ("not in this runtime (skipped): " + ($missing -join ', '))
}
foreach ($required in 'coreelements', 'webrtc', 'nice', 'dtls', 'srtp', 'opus', 'vpx', 'rtp', 'rtpmanager', 'webrtcdsp') {
  if ($missing -contains $required) { throw "required plugin gst$required.dll is missing from $Source" }
}

$gio = Join-Path $Source 'lib\gio\modules'
if (Test-Path $gio) { Copy-Item (Join-Path $gio '*.dll') $gioDest }
Copy-Item (Join-Path $Source 'libexec\gstreamer-1.0\gst-plugin-scanner.exe') $scannerDest

$size = (Get-ChildItem -Recurse -File $Destination | Measure-Object -Sum Length).Sum / 1MB
Write-Host ("GStreamer runtime in {0}: {1:N0} MB, {2} plugins" -f $Destination, $size, ($Plugins.Count - $missing.Count))
