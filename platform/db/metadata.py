"""All models' metadata: the platform's own plus every installed module's."""

from __future__ import annotations

from sqlalchemy import MetaData

from saypro.platform.db.base import Base


def load_all_models() -> MetaData:
    # Importing registers the tables on Base.metadata.
    from saypro.platform.audit import models as _audit  # noqa: F401
    from saypro.platform.email import models as _email  # noqa: F401
    from saypro.platform.identity import models as _identity  # noqa: F401
    from saypro.platform.identity import token_models as _tokens  # noqa: F401
    from saypro.platform.identity.sso import models as _sso  # noqa: F401
    from saypro.platform.jobs import models as _jobs  # noqa: F401
    from saypro.platform.modules import load_modules
    from saypro.platform.privacy import models as _privacy  # noqa: F401
    from saypro.platform.tenancy import models as _tenancy  # noqa: F401

    load_modules()
    return Base.metadata
