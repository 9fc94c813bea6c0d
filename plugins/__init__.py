"""Everything `rasa run` loads by dotted path, except the safety layer (safety/):

    plugins.channel.rest.ClinicRestInput                credentials.yml  the REST channel the widget talks to
    plugins.synonym_entities.SynonymEntityExtractor     config.yml       finds every listed synonym exactly
    plugins.tracker_store.StrictSQLTrackerStore         endpoints.yml    fails loudly, never loses a turn
    plugins.lock_store.AtomicRedisLockStore             endpoints.yml    atomic per-patient locks (Redis)

Importing any plugin inside a Rasa process also installs plugins/speedups.py once (Rasa's action
response validation with a prebuilt validator), guarded by the Rasa version it was written and measured
for. "Inside a Rasa process" means Rasa was imported before the first plugin, as `rasa run`, `rasa shell`
and `rasa test` do; an operator command that reads plugins/env.py loads no Rasa and patches nothing (a
process that does both in the other order calls plugins.speedups.install() itself, as bench/profile.py).
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger(__name__)

# The Rasa version plugins/speedups.py replaces a method of (measured in docs/production.md).
SPEEDUPS_FOR_RASA = "3.6.21"


def _install_speedups() -> bool:
    if "rasa.core" not in sys.modules:  # not a Rasa process: nothing to patch, and no slow import
        return False
    from rasa.version import __version__ as rasa_version

    if rasa_version != SPEEDUPS_FOR_RASA:
        logger.warning(
            "plugins.speedups not installed: written for Rasa %s, running %s",
            SPEEDUPS_FOR_RASA,
            rasa_version,
        )
        return False
    from plugins import speedups

    return speedups.install()


_install_speedups()
