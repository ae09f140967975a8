start-greeting =
    Hello! 👋 This is the assistant of the <b>Vietnam Trade Union</b>.
    Here you can apply to join the union in about 2 minutes, learn what members get, and follow your application.
    Please choose an option below.
help =
    <b>You can:</b>
    /join — apply to join the union
    /why — why join the union
    /status — see your application
    /ask — ask the union about your rights, labour law or benefits
    /mydata — see or delete your data
    /language — change the language
    While filling in the form you can always press “Back” or “Cancel”, or send /cancel.
menu-title = What would you like to do? Please choose:
menu-join = 📝 Join the union
menu-why = ❓ Why join?
menu-my-application = 📄 My application
menu-my-data = 🔒 My data
menu-language = 🌐 Ngôn ngữ / Language
menu-back = ⬅️ Main menu
fallback-unknown = Sorry, I did not understand. Please choose an option below.
error-apology = Sorry, something went wrong on our side. What you entered is kept. Please try again in a few minutes.
start-link-unknown-enterprise = The employer in this QR code was not found. You can still apply and choose your workplace yourself.
language-choose = Vui lòng chọn ngôn ngữ / Please choose a language:
language-vi = 🇻🇳 Tiếng Việt
language-en = 🇬🇧 English
language-set = Switched to English.
cmd-start = Start, main menu
cmd-join = Join the union
cmd-status = My application
cmd-mydata = My data
cmd-why = Why join?
cmd-language = Change language
cmd-help = Help
why-intro =
    <b>Why join the union?</b>
    The union represents and protects workers' lawful rights and interests. Joining is entirely voluntary.
    Choose a topic to read more:
why-topic-benefits = 🎁 What members get
why-topic-activities = 🤝 What the union does for you
why-topic-dues = 💵 Dues
why-topic-faq = 💬 Questions
why-benefits =
    <b>What members get</b>
    • <b>Free legal advice</b> on contracts, wages, insurance and union rights.
    • The union represents you in a dispute with your employer.
    • Support in hard times: job loss, unpaid wages, work accidents, illness.
    • Tết programmes such as “Tết Sum vầy” and the “Union Tết Market”.
    • Rest and recovery programmes, health checks and cancer screening for women members.
why-activities =
    <b>What the union does for you</b>
    • Negotiates a <b>collective agreement</b> for better pay, bonuses and benefits than the legal minimum.
    • Holds dialogue with the employer about working conditions.
    • Monitors wages, social insurance and workplace safety.
    • Where there is no grassroots union yet, the upper-level union represents and protects you.
why-dues =
    <b>Dues</b>
    • Members pay dues under the Charter of the Vietnam Trade Union (1% of wages, with a ceiling).
    • The 2% union fee on the payroll is paid by the <b>employer</b>, not taken from your wages.
    • Most dues stay with the grassroots union to support its own members.
why-faq =
    <b>Questions</b>
    <b>Will my employer know I applied?</b> No. Your application goes only to the competent union officers.
    <b>My company has no union yet — can I join?</b> Yes: the upper-level union admits and manages you.
    <b>Can I take my data back?</b> Yes. Open “My data” to see or delete it at any time.
    <b>When will I hear back?</b> A union officer will review your application and tell you the result here.
menu-review = 📋 Review applications
menu-card = 🪪 My member card
menu-founding = 🏛 Record a new CĐCS
flood-slow-down = You are sending messages very fast. Please wait about half a minute, then go on.
