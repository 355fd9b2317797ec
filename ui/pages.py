"""The dashboard's pages, in one list: app.py builds the navigation from it, the tests open each one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    file: str        # path from the repository root
    title: str
    section: str
    url_path: str    # the page's address: http://127.0.0.1:PORT/<url_path>
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/weekly_review.py", "Weekly review", "Therapist", "weekly_review", default=True),
    PageSpec("pages/client.py", "Client", "Therapist", "client"),
    PageSpec("pages/relationships.py", "Relationships", "Therapist", "relationships"),
    PageSpec("pages/your_data.py", "Your data", "Data", "your_data"),
    PageSpec("pages/import_data.py", "Import", "Data", "import_data"),
    PageSpec("pages/settings.py", "Settings", "Data", "settings"),
)
