# Shared by every form: cancelling, and searching.
form-cancel-confirm = Do you want to cancel? What you have entered will be deleted.
form-cancel-yes = ✖️ Cancel and delete
form-cancel-no = ↩️ Keep going
form-nothing-to-cancel = There is nothing in progress to cancel.
form-query-too-short = Please type at least 2 characters to search.
form-query-too-long = That search is too long (at most { $max } characters). Please type something shorter, for example a few words of the name.
