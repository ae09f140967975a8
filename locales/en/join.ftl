join-ask-consent =
    <b>Consent to use your personal data</b>
    To prepare your application we need: full name, date of birth, gender, phone number, citizen ID (optional), workplace and job.
    • <b>Purpose:</b> only to consider your admission to the union and to contact you about it.
    • <b>Who sees it:</b> only the union officers who handle your application. Your employer is <b>not</b> told.
    • <b>Withdrawal:</b> you can see or delete your data at any time under “My data”.
    Under the Personal Data Protection Law (Law No. 91/2025/QH15). If you do not agree, nothing is stored.
join-consent-agree = ✅ I agree
join-consent-decline = ❌ I do not agree
join-consent-declined = You did not agree, so nothing was stored. You can apply again at any time.
join-progress = <i>Step { $step }/{ $total }</i>
join-ask-full-name = What is your full name? (for example: Nguyễn Thị Lan)
join-name-single-word = You typed only “{ $name }”. Please enter your full name, family name and given name, for example: Nguyễn Thị Lan. If your name is a single word, send it again.
join-ask-birth-date = Your date of birth? Please type day/month/year, for example 25/03/1998.
join-ask-gender = Your gender?
join-ask-phone = Your mobile number? Press “Share my phone number” below or type it, for example 0912 345 678.
join-ask-citizen-id = Your citizen ID number (CCCD, 12 digits)? You may press “Skip”.
join-citizen-id-check = The CCCD number { $citizen_id } does not seem to match the date of birth or gender you gave (its 4th digit tells gender and century of birth, its 5th–6th digits the year). Please check it; if it is right, send it again.
join-ask-workplace = Where do you work? Type the company name or its tax code, for example: may 10.
join-ask-employer-name = Please type the name of the company or place where you work.
join-ask-employer-ward = Which ward or commune is your workplace in? Type its name, for example: Tân Phong.
join-ask-job = Your job or position? (for example: sewing worker, driver, accountant)
join-current-value = Current: <b>{ $value }</b>
join-enterprise-label = { $name } (tax code { $tax_code })
join-back = ⬅️ Back
join-cancel = ✖️ Cancel
join-skip = ⏭ Skip
join-keep = ✔️ Keep as is
join-share-phone = 📱 Share my phone number
join-phone-saved = Phone number { $phone } received.
join-phone-not-own = Please share your own phone number (press “Share my phone number”).
join-ward-unknown = 🤷 I don't know
join-workplace-not-listed = ➕ Not in the list
join-workplace-results = Results for “{ $query }”. Please choose your workplace, or type another name to search again:
join-workplace-none = Nothing found for “{ $query }”. Type another name, or press “Not in the list”.
join-workplace-gone = That enterprise is no longer in the register. Please search again.
join-ward-results = Results for “{ $query }”. Please choose the ward or commune:
join-ward-none = No ward or commune found for “{ $query }”. Type again, or press “I don't know”.
join-ward-gone = That ward or commune was not found. Please search again.
gender-male = Male
gender-female = Female
gender-other = Other
join-summary =
    <b>Please check your answers:</b>
    👤 Name: { $full_name }
    🎂 Date of birth: { $birth_date }
    ⚧ Gender: { $gender }
    📱 Phone: { $phone }
    🪪 Citizen ID: { $citizen_id }
    🏭 Workplace: { $workplace }
    🔧 Job: { $job }
    To change an answer, press its button. If all is correct, press “Submit”.
join-summary-empty = (none yet)
join-summary-skipped = (skipped)
join-edit-full-name = ✏️ Name
join-edit-birth-date = ✏️ Date of birth
join-edit-gender = ✏️ Gender
join-edit-phone = ✏️ Phone
join-edit-citizen-id = ✏️ Citizen ID
join-edit-workplace = ✏️ Workplace
join-edit-job = ✏️ Job
join-submit = 📨 Submit
join-submitted =
    ✅ <b>Your application to join the union has been sent.</b>
    Your reference: <b>{ $reference }</b>
    It goes to: { $unit }.
    A union officer will review it and tell you the result here. You can follow it under “My application”.
join-incomplete = Your application is missing an answer. Please answer this question.
join-no-units = The system is not ready to receive applications yet. Please try again later.
join-already-pending = You already have an application waiting for review; there is no need to send another.
join-resume = You have an unfinished application. Continue, or start over?
join-resume-continue = ▶️ Continue
join-resume-restart = 🔄 Start over
join-for-enterprise = You are applying to join the union at: <b>{ $name }</b>.
join-cancelled = Cancelled. What you entered has been deleted.
join-stale-button = That button belongs to an earlier message. Please answer the current question.
join-use-buttons = Please press one of the buttons below.
join-text-only = Please answer in text.
