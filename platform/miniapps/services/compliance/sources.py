"""Where compliance evidence and gaps come from: an explicit registry of sources.

The compliance view (:mod:`miniapps.services.compliance.assessment`) and the inspection
pack ask every registered source, for a set of organisations, what counts as evidence
for a framework's statements and what is missing. Each capability that knows something
(records of apps mapped with ``evidence``, the document library, audit actions,
deadlines, the training matrix) is one source; adding one is one entry in
:data:`SOURCES`.

Statements are named as the source knows them (the ids in an app definition or a
document); the assessment carries them over to the asked framework version through the
versions' ``replaces`` mappings.
"""

from __future__ import annotations

from miniapps.services.compliance.deadline_source import DeadlineSource
from miniapps.services.compliance.record_evidence import RecordEvidence
from miniapps.services.compliance.record_summaries import RecordSummaries
from miniapps.services.compliance.source_types import (
    ComplianceSource,
    EvidenceItem,
    Gap,
    PackTable,
)
from miniapps.services.compliance.training_source import TrainingSource
from miniapps.services.documents.evidence import DocumentEvidence
from miniapps.services.follow_ups.compliance import AuditActions

__all__ = ["SOURCES", "ComplianceSource", "EvidenceItem", "Gap", "PackTable"]

# name -> source; each capability registers its own.
SOURCES: dict[str, ComplianceSource] = {
    "records": RecordEvidence(),
    "audits": AuditActions(),
    "deadlines": DeadlineSource(),
    "training": TrainingSource(),
    "documents": DocumentEvidence(),
    "summaries": RecordSummaries(),
}
