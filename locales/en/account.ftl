application-status =
    <b>Application { $reference }</b>
    Sent on: { $submitted }
    Handled by: { $unit }
    Status: <b>{ $status }</b>
application-reason = Officer's note: { $reason }
application-none = You have no application yet. Press “Join the union” to apply.
status-submitted = ⏳ Sent, waiting for review
status-more-info = ❗ More information needed
status-approved = ✅ Admitted
status-rejected = ❌ Not accepted
privacy-account =
    <b>The data we keep about you</b>
    Account: { $channel } (id { $chat_id }), language: { $language }, since { $since }.
privacy-application =
    <b>Application { $reference }</b>
    Name: { $full_name }
    Date of birth: { $birth_date }
    Gender: { $gender }
    Phone: { $phone }
    Citizen ID: { $citizen_id }
    Workplace: { $workplace }
    Job: { $job }
    Consent given at: { $consent }
privacy-draft =
    <b>Unfinished application (not sent)</b>
    Name: { $full_name }
    Date of birth: { $birth_date }
    Gender: { $gender }
    Phone: { $phone }
    Citizen ID: { $citizen_id }
    Workplace: { $workplace }
    Job: { $job }
privacy-nothing-else = We keep nothing else about you.
privacy-delete = 🗑 Delete my data
privacy-delete-confirm = Delete all your data? A pending application will be withdrawn. This cannot be undone.
privacy-delete-yes = 🗑 Yes, delete everything
privacy-delete-no = No, keep it
privacy-deleted = Your data has been deleted. We keep only anonymous statistics.
privacy-display-name = Display name (for your union colleagues): { $name }
channel-telegram = Telegram
channel-console = test console
application-reject-reason = Reason: { $reason }
application-member = 🪪 Member number: <b>{ $number }</b> — { $union }, since { $since }.
application-question-waiting = A union officer needs more information from you. Press “Reply to the officer” to answer.
