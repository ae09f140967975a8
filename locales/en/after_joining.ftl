## After joining: moving to another union after a job change, asking the union, leaving.

menu-membership = 🪪 My membership
menu-ask = 💬 Ask the union
menu-questions = 💬 Workers' questions
menu-transfers = 🔁 Transfers
cmd-ask = Ask the union

membership-back = ⬅️ Back
membership-cancel = ✖️ Cancel
membership-keep = ✔️ Keep as is
membership-current-value = Current: <b>{ $value }</b>
membership-stale-button = That button belongs to an earlier message. Please use the newest one.
membership-use-buttons = Please press one of the buttons below.
membership-text-only = Please answer in text.
membership-cancelled = Cancelled; nothing has changed.

membership-none = You are not a member yet. Press “Join the union” to apply.
membership-card =
    <b>My membership</b>
    🪪 Number: { $number }
    🏢 Union: { $union }
    📅 Member since: { $since }
membership-transfer-waiting = 🔁 Waiting for { $union } to accept your transfer.
membership-changed-job = 🔁 I changed job
membership-leave = 🚪 Leave the union

transfer-ask-workplace = Where do you work now? Type the new company's name or tax code, for example: may 10.
transfer-confirm =
    New workplace: <b>{ $workplace }</b>
    Your membership moves to: <b>{ $union }</b>.
    Your member number stays the same. Send the request?
transfer-send = ✅ Send the request
transfer-sent = ✅ Your transfer request has been sent to { $union }. We will tell you the outcome.
transfer-already-waiting = Your transfer to { $union } is waiting for a decision. Please wait for the outcome.
transfer-same-union = Your new workplace is still under { $union }. No transfer is needed.
transfer-accepted =
    ✅ { $union } has accepted your transfer.
    Your member number stays: <b>{ $number }</b>. Your new card is below.
transfer-declined = { $union } has not accepted your transfer. You remain a member of your current union. If needed, press “Ask the union”.

leave-ask-reason = Why do you want to leave the union?
leave-reason-left-job = I stopped working
leave-reason-retired = I retired
leave-reason-personal = Personal reasons
leave-reason-other = Another reason
leave-confirm =
    Are you sure you want to leave the union?
    Card { $number } ({ $union }) will no longer be valid.
leave-yes = 🚪 Yes, I want to leave
leave-no = ↩️ No, I'll stay
leave-stayed = Thank you for staying with the union! 💙
leave-done = You left { $union } on { $date }. Your member card is no longer valid. You can join again at any time.

question-ask-text = What would you like to ask about your rights, labour law or benefits? Please type your question; a union officer will answer.
question-sent = ✅ Your question has been sent to { $unit }. The answer will come to you here.
question-quoted = Question: “{ $text }”
question-ask-answer = Please type your answer. The worker gets it at once.
question-answered =
    💬 The union answers your question:
    “{ $question }”
    { $answer }

questions-none = No question is waiting for an answer.
questions-done = You have seen every waiting question.
questions-title = <b>Questions waiting: { $total }</b>, over 2 days: { $stale }
questions-stale-line = ⚠️ { $unit }, asked on { $asked }
questions-stale-flag = ⚠️ <b>Waiting for over 2 days</b>
questions-card =
    <b>Question to { $unit }</b> — { $asked }
    👤 { $asker }
    { $text }
questions-from-worker = A worker (not a member)
questions-from-member = { $name }, member { $number } ({ $union })
questions-answer = ✍️ Answer
questions-next = ⏭ Next question
questions-answer-sent = ✅ Your answer has been sent.
questions-already-answered = { $who } answered this question at { $when }.

transfers-none = No transfer is waiting.
transfers-done = You have seen every waiting transfer.
transfers-card =
    <b>Transfer request</b> (waiting: { $total })
    👤 { $name }, member { $number }
    🏢 Current union: { $from_union }
    🏭 New workplace: { $workplace }
    📥 Moving to: { $to_union }
    📅 Requested on: { $requested }
transfers-accept = ✅ Accept
transfers-decline = ❌ Decline
transfers-next = ⏭ Next request
transfers-accepted = ✅ { $name } has been accepted.
transfers-declined = { $name } has been told the transfer was not accepted.
transfers-already-decided = { $who } decided this request at { $when }.

question-in-my-data =
    <b>Question to the union</b> ({ $asked }), waiting for an answer:
    “{ $text }”
question-in-my-data-answered =
    <b>Question to the union</b> ({ $asked }):
    “{ $text }”
    Answer: { $answer }

question-new-officer = 💬 A worker has sent { $unit } a question. Press the button below to read and answer it.
transfer-new-officer = 🔁 A member asks to transfer to { $unit }. Press the button below to see the request and decide.
