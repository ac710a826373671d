"""The outbound proxy a channel's request goes through, as the environment names it.

An operations centre may reach partner systems and carriers only through its outbound proxy:
``HTTPS_PROXY`` / ``HTTP_PROXY`` name it and ``NO_PROXY`` the hosts reached directly, read by
the standard library as other tools read them. The answer is kept per (scheme, host): aiohttp's
own ``trust_env`` reads the environment again, on a thread, for every request.
"""

from __future__ import annotations

import functools
import urllib.request


@functools.cache
def environment_proxy(scheme: str, host: str) -> str | None:
    """The proxy URL for requests to ``scheme``://``host``; ``None`` to connect directly."""
    proxies = urllib.request.getproxies_environment()
    # Documented with getproxies_environment, though typeshed leaves it out.
    bypass = getattr(urllib.request, "proxy_bypass_environment")  # noqa: B009
    if not proxies or bypass(host, proxies):
        return None
    return proxies.get(scheme)
