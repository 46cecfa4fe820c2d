"""Whether a pretrained model can be loaded: a local folder, the local Hugging Face cache, or
a Hub that answers. Imports neither torch nor transformers, so a run can be refused in a
second, before any kernel or model load (`workbench.study.start.preflight`).
"""

from __future__ import annotations

from pathlib import Path


class ModelUnavailable(RuntimeError):
    """A pretrained model that is neither reachable on the Hub nor in the local HF cache."""


def unavailable_message(name: str, exc: Exception) -> str:
    """What to do about a model that could not be loaded (offline, not in the cache)."""
    return (
        f"model {name!r} could not be loaded: it is not in the local Hugging Face cache and the "
        "Hub is unreachable (no network, or HF_HUB_OFFLINE=1). On a machine with network run "
        f"`hf download {name}` (or set model.name to a local folder holding the model), then "
        f"run again. ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
    )


def check_available(name: str, connect_timeout: float = 3.0) -> None:
    """Refuse, within seconds, a model that can be neither read locally nor downloaded.

    A local folder or a model in the HF cache is available. Otherwise the Hub must be allowed
    (no `HF_HUB_OFFLINE`) and answer one request within `connect_timeout` seconds; loading it
    without this check retries for over a minute before failing. Runs before any study exists.
    """
    import urllib.error
    import urllib.request

    import huggingface_hub
    from huggingface_hub import constants

    if Path(name).is_dir():
        return
    try:
        cached = huggingface_hub.try_to_load_from_cache(name, "config.json")
    except ValueError:  # not a Hub id (HFValidationError): a folder that does not exist
        raise ModelUnavailable(f"model {name!r}: no such folder, and not a Hugging Face model "
                               "id (owner/name); set model.name to a folder or a Hub id") from None
    if isinstance(cached, str):
        return
    if huggingface_hub.is_offline_mode():
        raise ModelUnavailable(unavailable_message(
            name, OSError("not in the local cache, and HF_HUB_OFFLINE is set")))
    url = huggingface_hub.hf_hub_url(name, "config.json", endpoint=constants.ENDPOINT)
    try:  # one request, no retries: any HTTP answer means the Hub is reachable
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"),
                               timeout=connect_timeout).close()
    except urllib.error.HTTPError:
        return  # it answered (a missing or gated model): loading says why, at once
    except OSError as exc:  # URLError, timeouts, refused connections
        raise ModelUnavailable(unavailable_message(
            name, OSError(f"not in the local cache, and {constants.ENDPOINT} did not answer "
                          f"within {connect_timeout:g} s ({getattr(exc, 'reason', exc)})"))
        ) from None
