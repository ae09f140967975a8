menu-lead-new = 🏭 Report an enterprise
menu-leads-mine = 📋 My leads
menu-leads-unit = 🗂 Leads of my units
menu-invite = ✉️ Invite a collaborator
access-denied = Sorry, you are not allowed to do this.
