## Collaborators' leads: report enterprises without a CĐCS and follow them until one is founded.

## Common buttons

lead-back = ⬅️ Back
lead-cancel = ✖️ Cancel
lead-keep = ✔️ Keep as is
lead-skip = ⏭ Skip
lead-yes = ✅ Yes
lead-no = ❌ No
lead-unknown = unknown
lead-nobody = (nobody yet)
lead-person = User #{ $id }
lead-current-value = Current: <b>{ $value }</b>
lead-stale-button = That button belongs to an earlier message. Please answer the current question.
lead-use-buttons = Please press one of the buttons below.
lead-text-only = Please answer in text.
lead-cancelled = Cancelled, nothing was saved.
lead-incomplete = The report is missing some information. Please start again.

## Reporting an enterprise

lead-ask-tax-code = <b>Report an enterprise without a grassroots union</b>
    The enterprise's tax code? (10 digits, or 13 for a branch). If you don't know it, press “I don't know it”.
lead-tax-code-unknown = 🤷 I don't know it
lead-tax-code-new = Tax code { $tax_code } is not in the enterprise register. Please tell us more about the enterprise.
lead-ask-name = The enterprise's name? (for example: Công ty TNHH May Tân Phong)
lead-ask-address = The enterprise's address? (number, street, village…)
lead-ask-ward = Which ward or commune is it in? Type its name, for example: Tân Phong.
lead-ward-results = Results for “{ $query }”. Please choose the ward or commune:
lead-ward-none = No ward or commune “{ $query }” found in your area. Please type again.
lead-ward-gone = That ward or commune was not found. Please search again.
lead-ask-workers = About how many workers does it have? (a number, for example 40)
lead-ask-pays-fee = Does the enterprise pay the union fee (2% of the payroll)?
lead-ask-party-cell = Does it have a Party cell or another mass organization (Youth Union, associations…)?
lead-ask-industrial-zone = Is it in an industrial zone or cluster?
lead-ask-years = How many years has it been operating? (a number, for example 5)
lead-ask-contact = A contact person at the enterprise? Type the name, optionally with a phone number, for example: Nguyễn Văn Bình 0912 345 678. You may press “Skip”.
lead-ask-note = Anything to add? (for example: the director is supportive, night shifts). You may press “Skip”.
lead-known-by-name = “{ $name }” in this ward is already in the register.
lead-confirm = This enterprise is in the register. Please check its details and press “Report this enterprise”.
lead-confirm-yes = ✅ Report this enterprise
lead-out-of-scope = “{ $name }” is in { $ward }, outside your area. Please tell the union officer in charge of that area, or enter another tax code.
lead-has-union = “{ $name }” already has a grassroots union: <b>{ $union }</b>. No need to report it. Thank you!
lead-duplicate = “{ $name }” was reported by { $unit } on { $date } and is being followed up (stage: { $stage }).
lead-duplicate-offer = You can add a note to that lead.
lead-reported =
    ✅ <b>{ $name } has been recorded.</b>
    Lead code: <b>{ $ref }</b>
    Priority: <b>{ $score }</b>/100 — { $reasons }
    Next follow-up: { $follow_up }
lead-open = 📂 Open the lead
lead-priority = ⭐ Priority: <b>{ $score }</b>/100 — { $reasons }

## Enterprise details

lead-enterprise =
    🏭 <b>{ $name }</b>
    🔢 Tax code: { $tax_code }
    📍 Address: { $address }
    🏘 Ward: { $ward }
    👷 Workers: { $workers }
    💵 Pays the union fee: { $pays_fee }
    🚩 Party cell or other mass organization: { $party_cell }
    🏗 In an industrial zone: { $industrial_zone }
    📆 Years in operation: { $years }
lead-no-tax-code = (none yet)

## Priority reasons (joined with semicolons)

lead-reason-pays-fee = pays the union fee but has no CĐCS
lead-reason-workers = { $count } workers
lead-reason-party-cell = has a Party cell or mass organization but no CĐCS
lead-reason-industrial-zone = in an industrial zone
lead-reason-years = operating for { $years } years without a CĐCS
lead-reason-none = no priority signs yet

## Stages

lead-stage-new = New
lead-stage-contacted = Contacted
lead-stage-mobilizing = Mobilization board formed
lead-stage-founded = CĐCS founded
lead-stage-declined = Declined
lead-stage-closed = Closed

## Lists

lead-list-title = <b>My leads</b> ({ $total }) — page { $page }/{ $pages }
lead-list-unit-title = <b>Leads of my units</b> ({ $total }) — page { $page }/{ $pages }
lead-list-line = { $number }. <b>{ $name }</b> — { $stage } · ⭐ { $score } · 📅 { $follow_up }
lead-list-empty = You have not reported any enterprise yet. Press “Report an enterprise” to start.
lead-list-unit-empty = No enterprise has been reported in your units yet.
lead-page-prev = ◀️ Previous
lead-page-next = Next ▶️
lead-to-list = 📋 Back to the list

## Lead card

lead-card-title = <b>Lead { $ref }</b>
lead-card =
    📌 Stage: <b>{ $stage }</b>
    ⭐ Priority: <b>{ $score }</b>/100 — { $reasons }
    📅 Next follow-up: { $follow_up }
    ☎️ Contact: { $contact }
    🙋 Collaborator: { $collaborator }
    🏢 Unit: { $unit }
lead-moved = Moved to the stage “{ $stage }”.
lead-moved-same = The lead already is at the stage “{ $stage }”.
lead-reopen-refused = Another lead on this enterprise is being followed up; this one cannot be reopened.
lead-follow-up-in = +{ $days } days
lead-follow-up-date = 📅 Pick a date
lead-ask-follow-up = The next follow-up date? Please type day/month/year, for example 15/12/2026.
lead-follow-up-set = Next follow-up set for { $date }.
lead-add-note = 📝 Add a note
lead-ask-note-text = Please type the note (at most 500 characters).
lead-note-added = Note added. Thank you!
lead-history = 📜 History
lead-back-to-card = ⬅️ Back to the lead
lead-history-title = <b>History of lead { $ref }</b>
lead-history-reported = { $when } — { $who }: reported the enterprise
lead-history-stage = { $when } — { $who }: { $from_stage } → { $to_stage }
lead-history-reassign = { $when } — { $who }: reassigned from { $previous } to { $current }
lead-history-follow-up = { $when } — { $who }: follow-up set for { $date }
lead-history-tax-code = { $when } — { $who }: added tax code { $tax_code }
lead-history-note = { $when } — { $who }: note “{ $note }”
lead-qr = 🔗 QR code / link
lead-qr-needs-tax-code = “{ $name }” has no tax code yet. The factory-gate link and QR code need one. Please add the tax code.
lead-qr-link =
    Link for the workers of { $name } to join the union:
    { $link }
    Workers who apply through this link are credited to you.
lead-qr-caption = QR code for the workers of { $name }: print it and put it up at the gate, the canteen, the rest area.
lead-set-tax-code = 🔢 Add the tax code
lead-ask-card-tax-code = The enterprise's tax code? (10 or 13 digits)
lead-tax-code-set = Tax code { $tax_code } saved.
lead-tax-code-taken = This tax code belongs to “{ $name }” in the register. Please check it.
lead-reassign = 👥 Reassign to another collaborator
lead-reassign-choose = Reassign this lead to which collaborator?
lead-reassign-none = No other collaborator covers this enterprise's area yet.
lead-reassign-refused = This person is no longer a collaborator for this area. Please choose someone else.
lead-reassigned = Lead reassigned to { $person }.
