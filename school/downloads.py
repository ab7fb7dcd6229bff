"""Private files from the media storage, sent as downloads the browser never renders."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


def private_download(name: str, *, filename: str, content_type: str) -> FileResponse:
    """``name`` in the storage as an attachment called ``filename``; 404 when it has gone missing."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("The file is no longer available.")) from error
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
