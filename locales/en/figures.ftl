## Figures recruited on paper (officers enter them per week or month)

menu-figures = 🧮 Enter paper figures

figures-back = ⬅️ Back
figures-cancel = ✖️ Cancel
figures-keep = ✔️ Keep as is
figures-current-value = Current: <b>{ $value }</b>
figures-stale-button = That button belongs to an earlier message. Please answer the current question.
figures-use-buttons = Please press one of the buttons below.
figures-text-only = Please answer in text or with a number.
figures-cancelled = Cancelled, no figures were saved.
figures-incomplete = Some information is missing. Please enter this item again.

figures-ask-unit = Which unit are these figures for? Type its name or code, for example: Tân Phong or LC-TP.
figures-unit-results = Results for “{ $query }”. Please choose the unit:
figures-unit-none = No unit “{ $query }” found in your scope. Please type again.

figures-ask-period = Which period? Choose below, or type a week (for example 2026-W47) or a month (for example 11/2026).
figures-period-this-week = This week
figures-period-last-week = Last week
figures-period-this-month = This month
figures-period-last-month = Last month
figures-period-week = week { $week }/{ $year } ({ $start } – { $end })
figures-period-month = month { $month }/{ $year }

figures-ask-admitted = How many members were <b>admitted</b> on paper in the period? (only people not recognized through the bot)
figures-ask-lost = How many members were <b>lost</b> in the period?
figures-ask-founded = How many <b>CĐCS were founded</b> in the period?
figures-ask-founded-large = Of the CĐCS founded, how many are in enterprises with <b>25 or more workers</b>?
figures-ask-dissolved = How many <b>CĐCS were dissolved</b> in the period?

figures-counts =
    👥 Admitted: { $admitted } · lost: { $lost } · net: { $net }
    🏭 CĐCS founded: { $founded } (25+ workers: { $founded_large }) · dissolved: { $dissolved }
figures-summary =
    <b>Please check the figures:</b>
    🏢 Unit: { $unit }
    📅 Period: { $period }
    { $counts }
figures-summary-replaces =
    ⚠️ This period already has figures. Saving <b>replaces</b> them (nothing is added up):
    { $counts }
figures-summary-hint = To change something, press its button. If all is right, press “Save the figures”.
figures-edit-unit = ✏️ Unit
figures-edit-period = ✏️ Period
figures-edit-admitted = ✏️ Admitted
figures-edit-lost = ✏️ Lost
figures-edit-founded = ✏️ CĐCS founded
figures-edit-founded-large = ✏️ 25+ workers
figures-edit-dissolved = ✏️ CĐCS dissolved
figures-save = ✅ Save the figures

figures-saved =
    ✅ Saved the figures of <b>{ $unit }</b>, { $period }:
    { $counts }
figures-replaced =
    They replace the figures entered before:
    { $counts }
figures-unchanged = The figures are the same as those entered before; nothing changed.

## Why a row of an imported file was rejected (doanvien import figures)

figures-import-missing = this cell must not be empty
figures-import-unknown-unit = no unit has this code or name; doanvien units lists them
figures-import-ambiguous-unit = several units have this name ({ $codes }); write the unit's code
figures-import-duplicate = duplicate of line { $line }: a unit and period is imported from its first line
