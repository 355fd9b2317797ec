"""The dashboard's pages, in one list: app.py builds the navigation from it, the tests open each one.

``roles`` says who may open a page (ui/access.py). Supervisor pages read only anonymised
aggregates (alliance_metrics.anonymise); every other page shows identified data.
"""

from __future__ import annotations

from dataclasses import dataclass

from ui.access import SINGLE_USER, SUPERVISOR, THERAPIST

IDENTIFIED = (THERAPIST, SINGLE_USER)
EVERYONE = (THERAPIST, SUPERVISOR, SINGLE_USER)


@dataclass(frozen=True)
class PageSpec:
    file: str        # path from the repository root
    title: str
    section: str
    url_path: str    # the page's address: http://127.0.0.1:PORT/<url_path>; a role's landing
                     # page (its first) is served at / instead (Streamlit's default page)
    roles: tuple[str, ...] = IDENTIFIED


PAGES: tuple[PageSpec, ...] = (
    PageSpec("views/weekly_review.py", "Weekly review", "Therapist", "weekly_review"),
    PageSpec("views/client.py", "Client", "Therapist", "client"),
    PageSpec("views/relationships.py", "Relationships", "Therapist", "relationships"),
    PageSpec("views/your_data.py", "Your data", "Data", "your_data"),
    PageSpec("views/import_data.py", "Import", "Data", "import_data"),
    PageSpec("views/settings.py", "Settings", "Data", "settings"),
    PageSpec("views/supervisor_trends.py", "Supervisor view", "Supervisor", "supervisor", EVERYONE),
    PageSpec("views/supervisor_exports.py", "Open exports", "Supervisor", "open_exports", EVERYONE),
)


def pages_for(role: str) -> list[PageSpec]:
    """The pages *role* may open, the first of them its landing page."""
    return [page for page in PAGES if role in page.roles]
