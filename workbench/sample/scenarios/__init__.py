"""The scenario banks, one module per topic. A topic's scenarios all live in its module, in the
order the generator cycles through them, so the order these modules load in does not matter.

Each module registers its scenarios with `@scenario(topic)`; a scenario fills a `Dlg` with
turns and returns the function that writes its summaries.
"""

from __future__ import annotations

from workbench.sample.scenarios import (
    bank,
    clinic,
    family,
    health,
    job,
    library,
    moving,
    parcel,
    phone,
    repair,
    restaurant,
    school,
    shopping,
    traffic,
    travel,
    work,
)

MODULES = (restaurant, clinic, shopping, travel, moving, work, school, bank, parcel, health,
           family, job, repair, traffic, library, phone)
