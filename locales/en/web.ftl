## Exports (XLSX, CSV) and the public progress page.

export-progress-sheet = Progress
export-progress-title = Member development and new CĐCS — period { $period }
export-progress-as-of = Figures up to { $date }
export-col-row = No.
export-col-unit-code = Unit code
export-col-unit-name = Unit
export-col-unit-kind = Kind
export-col-base-members = Members (baseline)
export-col-base-non-members = Workers not yet members
export-col-base-enterprises = Enterprises (6+ workers) without a CĐCS
export-col-target-members = Target: new members
export-col-target-unions = Target: new CĐCS
export-col-target-unions-large = Target: new CĐCS in enterprises with 25+ workers
export-col-target-source = Target given
export-col-admitted = Admitted
export-col-lost = Lost
export-col-net-members = Net
export-col-members-percent = % of members target
export-col-expected = Due by now at an even pace
export-col-founded = CĐCS founded
export-col-founded-large = Of which in enterprises with 25+ workers
export-col-dissolved = CĐCS dissolved
export-col-net-unions = CĐCS net
export-col-unions-percent = % of CĐCS target
export-col-change = Change on last year (%)
export-target-set = set for the unit
export-target-children = sum of its units
export-target-none = none

export-menu = 📊 Export a report
export-choose = Choose the report to export. The file covers the units in your scope.
    You can also type it, e.g. <code>/export progress 2026-Q3 csv</code>
export-btn-month = Progress this month
export-btn-quarter = Progress this quarter
export-btn-half = Progress this half-year
export-btn-year = Progress this year
export-btn-applications = Applications
export-btn-members = Members
export-usage = Sorry, I did not understand. Please type: <code>/export progress|applications|members [period] [xlsx|csv]</code>; a period such as 2026, 2026-H1, 2026-Q3 or 2026-07.
export-caption-progress = Progress for { $period }: { $rows } units.
export-caption-applications = Applications ({ $period }): { $rows }. The file holds personal data — please keep it safe.
export-caption-members = Members ({ $period }): { $rows }. The file holds personal data — please keep it safe.
export-all-time = all time

web-title = Member development progress
web-heading = Member development progress — { $root }
web-period = Period: { $period }
web-week = Week { $week } ({ $start } – { $end })
web-updated = Figures up to { $time }
web-col-unit = Unit
web-col-admitted = Admitted
web-col-lost = Lost
web-col-net = Net
web-col-target = Target
web-col-percent = % of target
web-col-expected = Due by now
web-col-unions = CĐCS founded / target
web-chart-title = New members as a percent of target
web-chart-pace = Dashed line: where units should be today ({ $percent } %)
web-no-target = no target set
web-behind = behind pace
web-switch = Tiếng Việt
web-no-units = No units yet.
web-bad-period = That period is not valid. For example: ?period=2026, 2026-H1, 2026-Q3 or 2026-07.
web-json = The same data as JSON
