"""Free ports on 127.0.0.1 for the Ray nodes the tests start."""

from __future__ import annotations

import os
import socket


def free_port_block(size: int) -> int:
    """The first of ``size`` consecutive ports nothing listens on."""
    for base in range(20_000 + os.getpid() % 20_000, 64_000, 997):
        try:
            for port in range(base, base + size):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free block of ports")
