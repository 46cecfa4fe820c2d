"""The names of `workbench.hub` (whether a pretrained model can be loaded), for callers that
import them from the backends package."""

from workbench.hub import ModelUnavailable, check_available, unavailable_message

__all__ = ["ModelUnavailable", "check_available", "unavailable_message"]
