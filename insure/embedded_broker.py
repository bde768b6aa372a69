"""The embedded broker: kombu's filesystem transport, with messages written atomically.

kombu's own ``_put`` creates the message file and then writes into it, while a consumer polling the folder
may already move and read it — an empty file, a JSON error, and a dead worker (seen here with a fast poll).
Writing to a hidden temporary name and renaming into place (atomic on POSIX) means a consumer only ever
sees complete messages. Registered as the kombu transport ``insurefs``; settings keep saying
``filesystem://``.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "insurefs"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        # the leading dot keeps the unfinished file out of every queue's listing
        temporary = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(temporary, "wb") as fh:
                fh.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add {name!r} to the queue folder") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
