//! `vaora household add|list|rename|remove`: the owner and the people checked in with them.

use clap::Subcommand;
use vaora_core::diary::NewPerson;

use crate::context::GlobalOpts;

#[derive(Debug, Subcommand)]
pub enum HouseholdCmd {
    /// Add a household member; prints `added <id> <name>`.
    Add {
        #[arg(long, required_unless_present = "from_card")]
        name: Option<String>,
        /// Pre-fill name and birth year from a scanned CCCD or BHYT text (only a keyed
        /// hash of the card number is kept).
        #[arg(long, conflicts_with_all = ["name", "birth_year"])]
        from_card: Option<String>,
        /// With --from-card: keep the card number itself too (off by default).
        #[arg(long, requires = "from_card")]
        keep_card_number: bool,
        /// e.g. mother, son, grandfather.
        #[arg(long)]
        relation: Option<String>,
        #[arg(long)]
        birth_year: Option<u16>,
    },
    /// List everyone: the owner first.
    List,
    /// Rename a person (the owner too).
    Rename {
        /// Name or id of the person.
        #[arg(long)]
        person: String,
        #[arg(long)]
        name: String,
    },
    /// Remove a household member (their check-ins stay until retention purges them).
    Remove {
        /// Name or id of the person.
        #[arg(long)]
        person: String,
    },
}

pub fn run(global: &GlobalOpts, cmd: HouseholdCmd) -> anyhow::Result<()> {
    let mut diary = global.open_diary()?;
    match cmd {
        HouseholdCmd::Add {
            name,
            from_card,
            keep_card_number,
            relation,
            birth_year,
        } => {
            let p = match (from_card, name) {
                (Some(card), _) => {
                    let profile =
                        crate::declare::profile_from_card(&diary, &card, keep_card_number)?;
                    diary.add_person_from_card(&profile, relation)?
                }
                (None, Some(name)) => diary.add_person(NewPerson {
                    display_name: name,
                    relation,
                    birth_year,
                })?,
                (None, None) => anyhow::bail!("give --name or --from-card"),
            };
            println!("added {} {}", p.id, p.display_name);
        }
        HouseholdCmd::List => {
            for p in diary.list_people()? {
                let mut line = format!("{}  {}", p.id, p.display_name);
                if p.is_owner {
                    line.push_str("  (owner)");
                }
                if let Some(r) = &p.relation {
                    line.push_str(&format!("  relation: {r}"));
                }
                if let Some(y) = p.birth_year {
                    line.push_str(&format!("  born {y}"));
                }
                println!("{line}");
            }
        }
        HouseholdCmd::Rename { person, name } => {
            let p = diary.find_person(&person)?;
            diary.rename_person(&p.id, &name)?;
            println!("renamed {} {}", p.id, name.trim());
        }
        HouseholdCmd::Remove { person } => {
            let p = diary.find_person(&person)?;
            diary.remove_person(&p.id)?;
            println!("removed {}", p.id);
        }
    }
    diary.close()?;
    Ok(())
}
