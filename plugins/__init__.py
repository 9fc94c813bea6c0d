"""Everything `rasa run` loads by dotted path, except the safety layer (safety/):

    plugins.channel.rest.ClinicRestInput                credentials.yml  the REST channel the widget talks to
    plugins.synonym_entities.SynonymEntityExtractor     config.yml       finds every listed synonym exactly
    plugins.tracker_store.StrictSQLTrackerStore         endpoints.yml    fails loudly, never loses a turn
    plugins.lock_store.AtomicRedisLockStore             endpoints.yml    atomic per-patient locks (Redis)

Importing any plugin inside a Rasa process also installs, once, two patches, each guarded by the Rasa
version it was written and measured for:
- plugins/speedups.py: Rasa's action response validation with a prebuilt validator;
- plugins/model_swap.py: `PUT /model` (`make publish`) loads the new model off the event loop and swaps
  it in only once it is loaded and checked, so patients' replies never wait for a publish. Only in a
  Rasa server process (`rasa.server` imported: `rasa run`, `rasa shell`), not in `rasa train`.
"Inside a Rasa process" means Rasa was imported before the first plugin, as `rasa run`, `rasa shell`
and `rasa test` do; an operator command that reads plugins/env.py loads no Rasa and patches nothing (a
process that does both in the other order calls plugins.speedups.install() itself, as bench/profile.py).
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger(__name__)

# The Rasa version plugins/speedups.py replaces a method of (measured in docs/production.md).
SPEEDUPS_FOR_RASA = "3.6.21"
# The Rasa version whose `PUT /model` route and `rasa.server._load_agent` plugins/model_swap.py was
# written against (docs/production.md, "Publishing a model").
MODEL_SWAP_FOR_RASA = "3.6.21"


def _rasa_version_is(wanted: str, patch: str) -> bool:
    from rasa.version import __version__ as rasa_version

    if rasa_version != wanted:
        logger.warning(
            "%s not installed: written for Rasa %s, running %s", patch, wanted, rasa_version
        )
        return False
    return True


def _install_speedups() -> bool:
    if "rasa.core" not in sys.modules:  # not a Rasa process: nothing to patch, and no slow import
        return False
    if not _rasa_version_is(SPEEDUPS_FOR_RASA, "plugins.speedups"):
        return False
    from plugins import speedups

    return speedups.install()


def _install_model_swap() -> bool:
    if "rasa.server" not in sys.modules:  # no HTTP server here (training, tests): no PUT /model
        return False
    if not _rasa_version_is(MODEL_SWAP_FOR_RASA, "plugins.model_swap"):
        return False
    from plugins import model_swap

    return model_swap.install()


_install_speedups()
_install_model_swap()
