menu-lead-new = 🏭 Report an enterprise
menu-leads-mine = 📋 My leads
menu-leads-unit = 🗂 Leads of my units
menu-invite = ✉️ Invite a collaborator
access-denied = Sorry, you are not allowed to do this.
role-collaborator = collaborator
role-officer = union officer
role-steering = steering-committee member
role-admin = administrator
invite-welcome = Welcome! You now have the role <b>{ $role }</b> for { $unit }. The new functions are in the menu below.
invite-refused-unknown = This invitation code is not valid. Please ask for a new one.
invite-refused-used = This invitation has already been used. Each code works only once.
invite-refused-expired = This invitation has expired. Please ask for a new one.
invite-refused-revoked = This invitation has been revoked.
invite-ask-ward = Invite a collaborator for which ward or commune? Type its name.
invite-ward-none = No ward or commune “{ $query }” found in your units. Please type again.
invite-pick-ward = Please choose the ward or commune:
invite-created =
    Collaborator invitation for { $unit } (single use, valid until { $expires }):
    { $link }
    Send this link or QR code to the chair of the ward union.
