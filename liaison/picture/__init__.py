"""The operational picture on the record: operations, units, control measures, conflicts.

How the parts fit, from the signed bytes up:

* :mod:`~liaison.picture.bodies` — the entry bodies in their float-free normal form; ordinary
  GeoJSON is accepted and normalised, invalid geometry refused with the problem named.
* :mod:`~liaison.picture.kinds` — the entry kinds (``picture.*``), registered on import, and
  :mod:`~liaison.picture.guards`, the rules that need the record, run inside the write
  transaction.
* :mod:`~liaison.picture.model` — entries to the detector's model (:mod:`liaison.deconfliction`),
  conflict ids, and what each party is told of a conflict.
* :mod:`~liaison.picture.live` — the detector's index as a projection kept current by tailing
  the log; :mod:`~liaison.picture.detect` — what the node does after every picture change:
  catch the index up, find conflicts found, changed or gone, and write the notices.
* :mod:`~liaison.picture.read` — queries as one party, through the release filter;
  :mod:`~liaison.picture.views` and :mod:`~liaison.picture.features` — what a reader is shown:
  JSON views and RFC 7946 FeatureCollections.

:class:`liaison.services.picture.PictureService` coordinates them; ``docs/picture.md`` describes
the rules, severities, notices and the arrangement procedure.
"""

from liaison.picture.model import arrangement_signature

__all__ = ["arrangement_signature"]
