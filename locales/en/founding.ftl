## Founding and dissolving grassroots unions.

founding-alert = 🔔 { $count } workers at <b>{ $enterprise }</b> have applied to join the union: time to form the mobilization board.
founding-record-button = 🏛 Record the founding
founding-ask-enterprise = Which enterprise founded a grassroots union? Type its name or tax code.
founding-enterprise-results = Results for “{ $query }” (enterprises without a grassroots union in your units):
founding-enterprise-none = No enterprise without a grassroots union named “{ $query }” in your units. Please type again.
founding-enterprise-taken = This enterprise already has a grassroots union.
founding-default-name = CĐCS { $name }
founding-ask-number = The recognition decision's number? (for example: 125/QĐ-LĐLĐ)
founding-ask-date = The decision's date? (day/month/year, for example 20/11/2026)
founding-ask-name = The new grassroots union's name?
founding-summary =
    <b>Please check:</b>
    🏭 Enterprise: { $enterprise }
    📄 Decision no. { $number }, dated { $date }
    🏛 Union name: { $name }
founding-edit-number = ✏️ Number
founding-edit-date = ✏️ Date
founding-edit-name = ✏️ Name
founding-submit = ✅ Record
founding-recorded =
    ✅ The founding of <b>{ $union }</b> is recorded.
    Members moved to it: { $members }. Waiting applications sent to it: { $applications }.
    Collaborator credited: { $collaborator }.
    The recognition file is attached.

dissolve-ask-unit = Which grassroots union was dissolved? Type its name.
dissolve-unit-results = Results for “{ $query }”:
dissolve-unit-none = No grassroots union named “{ $query }” in your units. Please type again.
dissolve-ask-date = The date of dissolution? (day/month/year)
dissolve-ask-reason = Why was it dissolved?
dissolve-ask-members = What about its members?
dissolve-members-keep = Keep them as members of the upper union
dissolve-members-lost = Count them as lost
dissolve-recorded-kept = The dissolution of { $union } is recorded. { $members } members moved to the upper union.
dissolve-recorded-lost = The dissolution of { $union } is recorded. { $members } members counted as lost.

xlsx-members-sheet = Members
xlsx-applications-sheet = Applications
xlsx-title = Recognition file of { $union }
xlsx-decision = Decision no. { $number } of { $date }
xlsx-col-number = No.
xlsx-col-member-number = Member number
xlsx-col-name = Full name
xlsx-col-admitted = Admitted on
xlsx-col-reference = Reference
xlsx-col-birth-date = Date of birth
xlsx-col-job = Job
xlsx-col-submitted = Submitted on
xlsx-col-status = Status
