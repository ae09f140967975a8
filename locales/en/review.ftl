## Officers review applications; workers hear the outcome and get a member card.

review-back = ⬅️ Back
review-cancel = ✖️ Cancel
review-keep = ✔️ Keep as is
review-current-value = Current: <b>{ $value }</b>
review-stale-button = That button belongs to an earlier message. Please use the newest one.
review-use-buttons = Please press one of the buttons below.
review-text-only = Please answer in text.
review-cancelled = Cancelled; the application is as it was.
review-skip = ⏭ Skip

review-queue-title = <b>Applications waiting: { $total }</b>
review-queue-line = • { $unit }: { $count }
review-queue-empty = No application is waiting in your units.
review-queue-done = All waiting applications have been reviewed. Thank you!
review-not-found = No such application. Please type its reference, for example: /application DV-2026-000123
review-card =
    <b>Application { $reference }</b> — waiting { $days } days
    👤 Name: { $full_name }
    🎂 Date of birth: { $birth_date }
    ⚧ Gender: { $gender }
    📱 Phone: { $phone }
    🪪 Citizen ID: { $citizen_id }
    🏭 Workplace: { $workplace } ({ $union })
    🔧 Job: { $job }
    📥 Received by: { $unit } — { $routing }
review-enterprise-has-union = has a grassroots union: { $union }
review-enterprise-no-union = no grassroots union yet
review-enterprise-unlisted = not in the enterprise register
review-routing-grassroots-union = the enterprise's grassroots union
review-routing-upper-union = the upper union over the enterprise's ward
review-routing-root = no unit found, sent to the provincial federation
review-routing-rerouted = sent here by an officer
review-duplicates = ⚠️ Same phone or citizen ID as application: { $references }
review-question-line = ❓ { $when } the officer asked: { $text }
review-answer-line = 💬 { $when } the worker answered: { $text }

review-approve = ✅ Recognize
review-reject = ❌ Reject
review-more = ❓ Ask for more
review-reroute = ↪️ Send to another unit
review-next = ⏭ Next application
review-reverse = ↩️ Reverse the decision

review-approved = ✅ { $name } is recognized as a member, number { $number }.
review-rejected = The rejection of { $reference } has been sent.
review-asked = Your question about { $reference } has been sent. The application returns to the queue when the worker answers.
review-rerouted = { $reference } has been sent to { $unit }.
review-reversed = The decision on { $reference } is reversed; the application is waiting again.
review-already-decided = { $reference } was already decided by { $who } at { $when }.

review-ask-reject-reason = Why is this application rejected?
review-ask-reject-note = Anything to add for the worker? Type a message, or press “Skip”.
review-ask-reject-explain = Please write the reason so that the worker understands.
reject-reason-not-employed = Does not work at the workplace given
reject-reason-duplicate = Duplicate of another application
reject-reason-under-age = Under age
reject-reason-not-eligible = Not eligible to join
reject-reason-other = Another reason
review-ask-question = What do you want to ask the worker? Type your question; they get it at once.
review-ask-unit = Send the application to which unit? Type the name of a grassroots or upper union.
review-unit-results = Results for “{ $query }”. Please choose the unit:
review-unit-none = No unit named “{ $query }”. Please type again.
review-ask-reverse-reason = Why is this decision reversed? The worker will be told.
review-ask-answer = Please type your answer to the union officer.

worker-approved =
    🎉 <b>Congratulations! You are now a member of the Vietnam Trade Union.</b>
    Member number: <b>{ $number }</b>
    Your union: { $union }.
    Your member card is below; you can see it again under “My application”.
worker-card-caption = 🪪 Member card { $number }. Scan the QR code to check the card.
worker-rejected =
    Your application { $reference } was not accepted.
    Reason: { $reason }
    { $note }
    If you have questions, you can apply again or ask a union officer.
worker-question =
    ❓ A union officer needs more information for your application { $reference }:
    “{ $question }”
    Press “Reply to the officer” to answer.
worker-reply = ✍️ Reply to the officer
worker-answer-sent = ✅ Your answer has been sent. The union officer will continue with your application.
worker-nothing-to-answer = There is no question waiting for your answer.
worker-rerouted = Your application { $reference } has been sent to { $unit } for review.
worker-reversed = The decision on your application { $reference } has been reversed; it is being reviewed again. We will tell you the result.
worker-no-card = You do not have a member card yet.

card-title = TRADE UNION MEMBER CARD
card-number-label = Number
card-union-label = Union
card-since-label = Member since
verify-valid = ✅ Valid card: a member of { $union }.
verify-invalid = ❌ This card is not valid.
verify-record =
    ✅ Valid card.
    👤 { $name }
    🪪 Number: { $number }
    🏢 { $union }, since { $since }
