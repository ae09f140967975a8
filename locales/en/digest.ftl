## The steering committee's weekly digest, reminders, and people messages cannot reach.

digest-title = <b>📊 Weekly digest { $week }</b> ({ $start }–{ $end })
digest-headline = { $units ->
        [one] 1 unit
       *[other] { $units } units
    }: { $week_admitted } admitted this week; year to date { $admitted }/{ $target } ({ $percent } %), due by now at an even pace { $expected }.
digest-headline-behind = ⚠️ { $units ->
        [one] 1 unit
       *[other] { $units } units
    }: { $week_admitted } admitted this week; year to date { $admitted }/{ $target } ({ $percent } %), due by now at an even pace { $expected } — behind pace.
digest-headline-net = Lost { $lost }, net { $net }. CĐCS: { $week_founded } this week, year to date { $founded }/{ $unions_target }.
digest-best-weakest = 🏆 Best: { $best } ({ $best_percent } %). Weakest: { $weakest } ({ $weakest_percent } %).
digest-push = 📌 Needs a push: { $waiting } applications waiting over 7 days, { $stale } leads not updated for 14 days.
digest-unit =
    <b>{ $unit }</b>
    This week +{ $week_admitted } · Year to date { $admitted }/{ $target } ({ $percent } %) · Pace { $expected }
digest-unit-behind =
    ⚠️ <b>{ $unit }</b> — behind pace
    This week +{ $week_admitted } · Year to date { $admitted }/{ $target } ({ $percent } %) · Pace { $expected }
digest-unit-unions = Lost { $lost }, net { $net } · CĐCS: { $week_founded } this week, year to date { $founded }/{ $unions_target }
digest-unit-push = 📌 Applications waiting over 7 days: { $waiting } · Leads needing a push: { $stale }
digest-chart-title = % of the members' target — { $week }
digest-chart-pace = Expected at an even pace
digest-chart-caption = Week { $week }: each unit's percent of target; the dashed line is the expected pace.
digest-no-units = There are no units in your scope yet.

remind-leads = 🔔 Reminder: { $count } of your leads have not been updated for 14 days. Please update them (/leads):
remind-lead-line = • { $ref } — { $name }
remind-more = … and { $count } more.
remind-officer = 🔔 Reminder: { $applications } applications waiting over 3 days (/review), { $questions } workers' questions without an answer (/questions).

unreachable-title = <b>People who blocked the bot ({ $count })</b> — messages cannot reach them; please contact them another way:
unreachable-applicant = • Applicant { $reference }, since { $since }
unreachable-colleague = • { $name } ({ $role }), since { $since }
unreachable-none = Nobody in your units has blocked the bot.

steering-ask-person = Who will follow a unit in the weekly digest? Please type their Telegram id (they see it under /mydata) or the name of someone who holds a role.
steering-pick-person = Results for “{ $query }”, please choose:
steering-person-none = Nobody found for “{ $query }”. Please type a Telegram id (they must have sent /start to the bot) or another name.
steering-person-gone = That person or unit is no longer there. Please choose again.
steering-ask-unit = Which unit will they follow? Please type its name.
steering-pick-unit = Units matching “{ $query }”, please choose:
steering-unit-none = No unit in your scope matches “{ $query }”. Please try another name.
steering-assigned = ✅ { $person } will get the weekly digest for { $unit }.
steering-already = { $person } already follows { $unit }.
steering-you-follow = You have been assigned to follow { $unit } for the steering committee. The weekly digest comes on Monday morning; see progress any time with /progress.
