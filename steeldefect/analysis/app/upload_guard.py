"""The upload size check in the browser.

dcc.Upload's ``max_size`` keeps a file over the limit from being read or sent, but silently. This
clientside callback, run once per page load, watches the file picker and drops on the upload area
(capture phase, before the upload component) and writes the refusal, or a 'reading' note replacing the
previous message, into ``upload-message`` with ``dash_clientside.set_props``.
"""

from __future__ import annotations

from dash import Input, Output

GUARD_JS = """
function(maxBytes) {
    if (window.steeldefectUploadGuard) { return window.dash_clientside.no_update; }
    window.steeldefectUploadGuard = true;
    const mb = (n) => (n / 1048576).toFixed(1) + " MB";
    const check = (event, files) => {
        if (!event.target.closest || !event.target.closest("#upload") || !files || !files.length) { return; }
        const file = files[0];
        const name = file.name.length > 80 ? file.name.slice(0, 80) + "..." : file.name;
        const limit = Math.round(maxBytes / 1048576) + " MB";
        const text = file.size > maxBytes
            ? `${name} refused: ${mb(file.size)} is over the ${limit} limit; nothing was sent`
            : `reading ${name} (${mb(file.size)})...`;
        window.dash_clientside.set_props("upload-message", {children: text});
    };
    document.addEventListener("change", (e) => check(e, e.target.files), true);
    document.addEventListener("drop", (e) => check(e, e.dataTransfer && e.dataTransfer.files), true);
    return maxBytes;
}
"""


def register_upload_guard(app) -> None:
    """Install the browser-side size check (``upload-limit`` holds the limit in bytes)."""
    app.clientside_callback(GUARD_JS, Output("upload-guard", "data"), Input("upload-limit", "data"))
